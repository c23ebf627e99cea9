"""LSA-Net: encoder outputs, modules, losses, Table 6 parameter and MAC
counts, Table 8 part sizes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdefect.models.layers import LocationAttention, ShapeDetection
from mmdefect.models.losses import bce_dice_loss, feature_difference_loss
from mmdefect.utils import count_conv_linear_macs

CONFIG = 'configs/lsanet/lsanet_synlcd-256{}.py'


def build(repo, suffix='', **backbone):
    torch.manual_seed(0)
    cfg = Config.fromfile(f'{repo}/{CONFIG.format(suffix)}')
    cfg.model.backbone.update(backbone)
    return MODELS.build(cfg.model)


def params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize('size', [256, 512])
def test_encoder_outputs(repo, size):
    model = build(repo, sdm=dict(shape_logits=True)).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, size, size))
    s = size
    assert [tuple(f.shape[1:]) for f in feats] == [(32, s, s),
                                                   (64, s // 2, s // 2),
                                                   (128, s // 4, s // 4),
                                                   (256, s // 8, s // 8),
                                                   (512, s // 16, s // 16),
                                                   (1, s // 2, s // 2),
                                                   (384, s // 8, s // 8),
                                                   (384, s // 8, s // 8),
                                                   (1, s // 8, s // 8),
                                                   (1, s // 8, s // 8)]
    assert feats.names == {
        'location_logit': 5,
        'sppm_feature': 6,
        'lspm_feature': 7,
        'sppm_shape_logit': 8,
        'lspm_shape_logit': 9
    }


def test_inputs_must_divide_by_16(repo):
    with pytest.raises(ValueError, match='divisible by 16'):
        build(repo).extract_feat(torch.randn(1, 3, 72, 72))


def test_table6_parameters_and_macs(repo):
    """The authors' forward path (group-sum location logit,
    shape logits computed) has 21,601,485 parameters and 30,611,013,632 conv
    MACs at 256x256 (Table 6: 21.60 M, 61.60 GFLOPs = 2 x MACs + the rest);
    the paper default 21,600,770, both 21.60 M."""
    code = build(
        repo,
        lam=dict(loc_from='groups_sum', fusion='add'),
        sdm=dict(shape_logits=True)).eval()
    assert params(code) == 21_601_485
    x = torch.randn(1, 3, 256, 256)
    assert count_conv_linear_macs(code, x) == 30_611_013_632
    paper = build(repo)
    assert params(paper) == 21_600_770
    assert params(
        build(repo, lam=dict(loc_from='output'),
              sdm=dict(shape_logits=True))) == 21_601_538


def test_table8_part_sizes(repo):
    # Table 8's parts: U-Net, then what LAM, SDM and FEM add.
    sizes = [
        params(build(repo, suffix))
        for suffix in ('_unet', '_lam', '_lam-sdm', '')
    ]
    assert sizes[0] == 7_852_545
    assert np.diff(sizes).tolist() == [268_289, 7_973_376, 5_506_560]


def test_paper_text_variants_change_the_count(repo):
    # Why the code's three choices are the defaults.
    base = params(build(repo))
    separate = ShapeDetection(share_sppm_block=False)
    shared = ShapeDetection()
    assert shared.sppm_in is shared.sppm_out
    assert separate.sppm_in is not separate.sppm_out
    assert params(separate) - params(shared) == pytest.approx(2.66e6, 1e-2)
    no_input = params(build(repo, fem=dict(concat_input=False)))
    assert base - no_input == 512 * 512
    assert base / 1e6 == pytest.approx(21.60, abs=5e-3)


def test_outer_product_gives_the_bounding_box():
    """With ``fusion='mul'`` one blob's strip projections multiply into its
    filled bounding rectangle; the code's sum gives a cross."""
    blob = torch.zeros(1, 1, 16, 16)
    # A thin diagonal crack: connected, far from filling its box.
    blob[0, 0, [4, 5, 5, 6, 7, 8, 9], [3, 4, 5, 5, 6, 7, 8]] = 1.0
    box = torch.zeros_like(blob)
    box[0, 0, 4:10, 3:9] = 1
    mul = LocationAttention(8, 8, groups=8, fusion='mul')
    assert torch.equal((mul.strip_pool(blob) > 0).float(), box)
    add = LocationAttention(8, 8, groups=8, fusion='add')
    summed = add.strip_pool(blob)
    assert torch.equal((summed > 1).float(), box)
    assert (summed > 0).sum() > box.sum()


def test_group_sum_location_logit_sums_the_groups():
    torch.manual_seed(0)
    lam = LocationAttention(16, 8, groups=4, loc_from='groups_sum').eval()
    x = torch.randn(2, 16, 8, 8)
    out, loc = lam(x)
    assert out.shape == (2, 8, 8, 8) and loc.shape == (2, 1, 8, 8)
    y = lam.strip_pool(lam.project(lam.fuse(x)))
    naive = sum(y[:, g * 4:(g + 1) * 4] for g in range(4))
    assert torch.allclose(loc, lam.loc(naive))


def test_lspm_half_strips_pool_each_half():
    """LSPM half strips: each half row / column takes its own maximum;
    ``lspm_pool='full'`` the whole one (Table 9)."""
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 2, 1] = 5.0
    half, full = ShapeDetection(4, 4), ShapeDetection(4, 4, lspm_pool='full')
    rows = half.strip_max(x, 3)[0, 0]
    assert rows[2, :4].eq(5).all() and rows[2, 4:].eq(0).all()
    assert rows[[0, 1, 3]].eq(0).all()
    cols = half.strip_max(x, 2)[0, 0]
    assert cols[:4, 1].eq(5).all() and cols[4:, 1].eq(0).all()
    assert full.strip_max(x, 3)[0, 0, 2].eq(5).all()
    assert full.strip_max(x, 2)[0, 0, :, 1].eq(5).all()
    with pytest.raises(ValueError, match='even feature size'):
        half._strips(torch.zeros(1, 4, 7, 7))


def test_feature_difference_loss_formula():
    torch.manual_seed(0)
    v1, v2 = torch.randn(3, 4, 5, 5), torch.randn(3, 4, 5, 5)
    per_image = [1 / (((a - b)**2).mean() + 1e-6) for a, b in zip(v1, v2)]
    assert torch.allclose(
        feature_difference_loss(v1, v2),
        torch.stack(per_image).mean())
    assert torch.allclose(
        feature_difference_loss(v1, v2, eps=0, reduction='batch'),
        1 / F.mse_loss(v2, v1))
    same = feature_difference_loss(v1, v1.clone())
    assert torch.isfinite(same) and same == pytest.approx(1e6)
    v1.requires_grad_(True)
    feature_difference_loss(v1, v2).backward()
    assert v1.grad.abs().sum() > 0


def test_bce_dice_by_hand():
    # Image 0: logits 0 (p = 0.5) on a 2-pixel target of 4 pixels; image 1:
    # empty target, logits ln 3 (p = 0.75), one pixel ignored.
    logits = torch.zeros(2, 1, 2, 2)
    logits[1] = np.log(3)
    label = torch.tensor([[[1, 1], [0, 0]], [[0, 0], [0, 255]]])
    bce = (4 * np.log(2) + 3 * np.log(4)) / 7
    dice0 = (2 * 1.0 + 1e-5) / (2.0 + 2 + 1e-5)
    dice1 = (0 + 1e-5) / (2.25 + 0 + 1e-5)
    expected = 0.5 * bce + 1 - (dice0 + dice1) / 2
    assert bce_dice_loss(logits, label).item() == pytest.approx(expected)
    # A perfect, confident prediction of an empty target costs almost 0.
    assert bce_dice_loss(torch.full((1, 1, 2, 2), -30.),
                         torch.zeros(1, 2, 2)).item() < 1e-6


def sample(mask):
    s = SegDataSample(
        gt_sem_seg=PixelData(data=mask[None]),
        gt_loc_map=PixelData(data=mask[None]))
    s.set_metainfo(dict(img_shape=mask.shape, ori_shape=mask.shape))
    return s


def test_losses_and_a_few_iterations_lower_them(repo):
    model = build(repo)
    model.train()
    mask = torch.zeros(64, 64, dtype=torch.long)
    mask[20:30, 10:40] = 1
    img = torch.full((3, 64, 64), 60, dtype=torch.uint8)
    img[:, 20:30, 10:40] = 200
    data = model.data_preprocessor(
        dict(
            inputs=[img, img.flip(2)],
            data_samples=[sample(mask), sample(mask.flip(1))]), True)
    optim = torch.optim.Adam(model.parameters(), 1e-3)
    first = None
    for _ in range(6):
        losses = model.loss(**data)
        assert {
            'decode.loss_seg', 'aux_0.loss_loc', 'aux_1.loss_diff', 'aux_1.mse'
        } <= set(losses)
        loss, _ = model.parse_losses(losses)
        first = first if first is not None else loss.item()
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert loss.item() < first
    model.eval()
    with torch.no_grad():
        out = model.predict(data['inputs'], data['data_samples'])
    assert out[0].pred_sem_seg.data.unique().tolist() <= [0, 1]
    assert out[0].pred_location_map.data.shape == (1, 64, 64)

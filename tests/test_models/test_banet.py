"""BANet: encoder, spatial transformer, FEAM, decoder, losses, Table II
parameter and FLOP counts."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample
from torchvision.ops import sigmoid_focal_loss

from mmdefect.engine.hooks import field_error
from mmdefect.models.layers import (SpatialTransformer, displacement_field,
                                    theta_from_pixel_affine)
from mmdefect.models.losses import binary_focal_loss
from mmdefect.utils import count_parameters, count_thop_flops
from mmdefect.utils.geometry import pose_matrix

CONFIGS = 'configs/banet/banet_r34_synocd-256{}.py'
ROWS = {  # Table II row: (config suffix, inference params, paper (M))
    'S1': ('_concat', 25_988_545, 25.98),
    'S2': ('_no-stm-no-feam', 25_979_137, 25.98),
    'S3': ('_no-stm', 27_823_938, 27.79),
    'S4': ('_no-feam', 26_720_455, 26.72),
    'S5': ('', 28_565_256, 28.51),
}
GFLOPS = dict(S1=31.30, S2=40.60, S3=43.12, S4=40.70, S5=43.19)


def build(repo, suffix=''):
    torch.manual_seed(0)
    return MODELS.build(
        Config.fromfile(f'{repo}/{CONFIGS.format(suffix)}').model)


@pytest.mark.parametrize('size', [256, 512])
def test_shapes(repo, size):
    model = build(repo).eval()
    x = torch.randn(1, 6, size, size)
    with torch.no_grad():
        levels = model.backbone(x[:, :3])
        feats = model.extract_feat(x)
        logits = model.decode_head(feats)
    assert [tuple(f.shape[1:])
            for f in levels] == [(64, size // 2, size // 2),
                                 (64, size // 4, size // 4),
                                 (128, size // 8, size // 8),
                                 (256, size // 16, size // 16),
                                 (512, size // 32, size // 32)]
    assert feats['edge_map'].shape == (1, 1, size // 4, size // 4)
    assert feats['align_field'].shape == (1, 2, size // 4, size // 4)
    assert logits.shape == (1, 1, size, size)
    model.train()
    logits, side = model.decode_head(model.extract_feat(x))
    assert side.shape == logits.shape == (1, 1, size, size)


@pytest.mark.parametrize('row', sorted(ROWS))
def test_table_ii_parameters_and_flops(repo, row):
    suffix, params, paper = ROWS[row]
    model = build(repo, suffix)
    x = torch.randn(1, 6, 256, 256)
    counts = count_parameters(model, x)
    assert counts['params_inference'] == params
    # The deep-supervision conv (5,185 parameters) is training-only.
    assert counts['params'] - counts['params_inference'] == 5_185
    assert params / 1e6 == pytest.approx(paper, rel=0.02)
    assert count_thop_flops(model, x) / 1e9 == pytest.approx(
        GFLOPS[row], rel=0.05)


def test_stm_is_the_identity_at_initialisation():
    stm = SpatialTransformer(in_channels=8)
    stm.init_weights()
    feats = torch.randn(2, 8, 6, 6)
    theta = stm(feats, torch.randn(2, 8, 6, 6))
    torch.testing.assert_close(
        theta,
        torch.tensor([[1., 0, 0], [0, 1, 0]]).expand(2, 2, 3))
    torch.testing.assert_close(
        stm.warp(feats, theta), feats, atol=1e-5, rtol=0)


def test_theta_of_a_known_pose_realigns_the_template():
    """The generator's pose (pixel affine, template -> sample) and theta
    (normalised sample -> template coordinates) are linked by
    theta_from_pixel_affine, and the displacement field of that theta is
    the pose's."""
    size = 96
    rng = np.random.default_rng(0)
    template = cv2.GaussianBlur(
        rng.uniform(0, 255, (size, size)).astype(np.float32), (0, 0), 2)
    pose = dict(tx=6.0, ty=-4.0, angle=7.0, scale=1.0)
    sample = cv2.warpAffine(template, pose_matrix(pose, size), (size, size))
    theta = theta_from_pixel_affine(pose_matrix(pose, size), size, size)
    stm = SpatialTransformer(in_channels=1)
    aligned = stm.warp(
        torch.from_numpy(template)[None, None],
        torch.from_numpy(theta).float()[None])[0, 0].numpy()
    inner = slice(16, -16)
    before = np.abs(template - sample)[inner, inner].mean()
    after = np.abs(aligned - sample)[inner, inner].mean()
    assert after < 0.02 * before
    # A shift by a = 0.25 in normalised units moves features by 1/8 width.
    feats = torch.zeros(1, 1, 8, 16)
    feats[..., 4] = 1
    shift = torch.tensor([[[1., 0, 0.25], [0, 1, 0]]])
    moved = stm.warp(feats, shift)[0, 0, 0]
    assert int(moved.argmax()) == 4 - 2
    # The pose error hook's measure: 0 for the true theta's field, the
    # pose's own displacement for the identity.
    field = displacement_field(torch.from_numpy(theta)[None],
                               (size, size))[0].numpy()
    error, identity = field_error(field[0], field[1], pose)
    assert error == pytest.approx(0, abs=1e-9) and identity > 5
    # In pixels: the sample's pixel p is the template's inverse-pose point.
    truth = np.linalg.inv(np.vstack([pose_matrix(pose, size), [0, 0, 1]]))
    y, x = 10, 70
    expected = truth[:2] @ [x, y, 1] - [x, y]
    np.testing.assert_allclose(field[:, y, x], expected, atol=1e-9)


def test_feam_gating_and_edge_output(repo):
    model = build(repo).eval()
    neck = model.neck
    assert sum(p.numel() for p in neck.feam.parameters()) == 1_844_801
    assert sum(p.numel() for p in neck.stm.parameters()) == 741_318
    sample = [
        torch.randn(1, c, 64 // s, 64 // s)
        for c, s in zip((64, 64, 128, 256, 512), (2, 4, 8, 16, 32))
    ]
    template = [f.clone() for f in sample]
    with torch.no_grad():
        out = neck(sample, template)
    # Identical inputs at the identity: zero differences, gated or not.
    assert all(float(d.abs().max()) < 1e-5 for d in out[:5])
    template = [torch.randn_like(f) for f in sample]
    with torch.no_grad():
        gated = neck(sample, template)
        neck.edge_attention = False
        plain = neck(sample, template)
    gate = 1 + F.interpolate(
        gated['edge_map'].sigmoid(), size=(32, 32), mode='bilinear')
    torch.testing.assert_close(gated[0], plain[0] * gate)


def test_loss_is_half_focal_quarter_edge_quarter_deep_supervision(repo):
    model = build(repo).train()
    torch.manual_seed(1)
    inputs = torch.randn(2, 6, 64, 64)
    samples = []
    for _ in range(2):
        mask = torch.zeros(1, 64, 64, dtype=torch.long)
        mask[0, 20:40, 10:30] = 1
        edge = torch.from_numpy(
            TRANSFORMS.build(dict(type='GenerateEdgeMap'))(
                dict(gt_seg_map=mask[0].numpy().astype(np.uint8)))
            ['gt_edge_map']).long()[None]
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=mask), gt_edge_map=PixelData(data=edge))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    torch.manual_seed(2)
    losses = model.loss(inputs, samples)
    assert set(k for k in losses if 'loss' in k) == {
        'decode.loss_focal', 'decode.loss_ds', 'aux.loss_edge'
    }
    # By hand from the same forward pass.
    torch.manual_seed(2)
    feats = model.extract_feat(inputs)
    logits, side = model.decode_head(feats)
    label = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    edge_label = torch.stack([s.gt_edge_map.data[0] for s in samples])
    focal = sigmoid_focal_loss(
        logits[:, 0], label.float(), 0.25, 2.0, reduction='mean')
    ds = F.binary_cross_entropy_with_logits(side[:, 0], label.float())
    edge_logits = F.interpolate(
        feats['edge_map'], size=(64, 64), mode='bilinear', align_corners=False)
    edge = F.binary_cross_entropy_with_logits(edge_logits[:, 0],
                                              edge_label.float())
    torch.testing.assert_close(losses['decode.loss_focal'], 0.5 * focal)
    torch.testing.assert_close(losses['decode.loss_ds'], 0.25 * ds)
    torch.testing.assert_close(losses['aux.loss_edge'], 0.25 * edge)


def test_binary_focal_loss_is_torchvisions():
    torch.manual_seed(0)
    logits = torch.randn(3, 1, 17, 19)
    label = torch.randint(0, 2, (3, 17, 19))
    expected = sigmoid_focal_loss(
        logits[:, 0], label.float(), 0.25, 2.0, reduction='mean')
    torch.testing.assert_close(binary_focal_loss(logits, label), expected)
    # Ignored pixels leave the mean.
    ignored = label.clone()
    ignored[0] = 255
    expected = sigmoid_focal_loss(
        logits[1:, 0], label[1:].float(), 0.25, 2.0, reduction='mean')
    torch.testing.assert_close(binary_focal_loss(logits, ignored), expected)


def test_canny_target_of_a_square():
    mask = np.zeros((32, 32), np.uint8)
    mask[8:24, 8:24] = 1
    edge = TRANSFORMS.build(dict(type='GenerateEdgeMap'))(
        dict(gt_seg_map=mask))['gt_edge_map']
    assert set(np.unique(edge)) == {0, 1}
    ys, xs = np.nonzero(edge)
    # A one-pixel closed outline hugging the square's border.
    assert ys.min() >= 7 and ys.max() <= 24 and xs.min() >= 7 and \
        xs.max() <= 24
    assert edge[12:20, 12:20].sum() == 0 and edge[:6].sum() == 0
    assert 4 * 14 <= edge.sum() <= 4 * 18
    wide = TRANSFORMS.build(dict(type='GenerateEdgeMap', width=3))(
        dict(gt_seg_map=mask))['gt_edge_map']
    assert wide.sum() > 2 * edge.sum()


def test_training_steps_lower_the_loss(repo, synocd_root):
    """A few real steps of BANet on SynOCD through its own train pipeline
    (paired flip, Canny edge target after it)."""
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(f'{repo}/{CONFIGS.format("")}')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, data_root=str(synocd_root)))
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert 'gt_edge_map' in batch['data_samples'][0]
    data = model.data_preprocessor(batch, True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = []
    for _ in range(12):
        loss, _ = model.parse_losses(model.loss(**data))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert np.mean(history[-3:]) < 0.7 * np.mean(history[:3]), history

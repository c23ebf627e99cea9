"""Siamese segmentor, fusion neck and paired data preprocessor."""
import copy

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdefect.models.necks import distance_map

BASELINES = {
    'siamese': 'configs/baselines/siamese_r18_unet_synlcd-512.py',
    'early_fusion': 'configs/baselines/early-fusion_r18_unet_synlcd-512.py',
    'segformer': 'configs/baselines/segformer_mit-b0_synlcd-512.py',
    'cadnet': 'configs/cadnet/cadnet_synlcd.py',
}


def build(repo, name):
    cfg = Config.fromfile(f'{repo}/{BASELINES[name]}')
    return MODELS.build(cfg.model).eval()


def batch(num, channels, size=64, classes=3):
    torch.manual_seed(0)
    inputs = [
        torch.randint(0, 256, (channels, size, size)).to(torch.uint8)
        for _ in range(num)
    ]
    samples = []
    for _ in range(num):
        gt = torch.randint(0, classes, (1, size, size))
        sample = SegDataSample(gt_sem_seg=PixelData(data=gt))
        sample.set_metainfo(
            dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                pad_shape=(size, size)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_preprocessor_normalises_each_image_and_swaps_channels():
    pre = MODELS.build(
        dict(
            type='DefectDataPreProcessor',
            num_images=2,
            mean=[1., 2., 3.],
            std=[1., 2., 4.],
            bgr_to_rgb=True))
    img = torch.arange(6, dtype=torch.float32).view(6, 1, 1).repeat(1, 2, 2)
    out = pre(dict(inputs=[img], data_samples=[SegDataSample()]))['inputs']
    # BGR (0,1,2 | 3,4,5) -> RGB (2,1,0 | 5,4,3), then (x - mean) / std.
    expected = torch.tensor([(2 - 1) / 1, (1 - 2) / 2, (0 - 3) / 4,
                             (5 - 1) / 1, (4 - 2) / 2, (3 - 3) / 4])
    torch.testing.assert_close(out[0, :, 0, 0], expected)
    with pytest.raises(ValueError, match='mean and std need 3'):
        MODELS.build(
            dict(type='DefectDataPreProcessor', mean=[0] * 6, std=[1] * 6))


@pytest.mark.parametrize('policy,factor', [('diff', 1), ('abs_diff', 1),
                                           ('concat', 2), ('sum', 1)])
def test_fusion_policies(policy, factor):
    neck = MODELS.build(dict(type='FeatureFusionNeck', policy=policy))
    a = [torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4)]
    b = [torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4)]
    outs = neck(a, b)
    assert [o.shape[1] for o in outs] == [4 * factor, 6 * factor]
    if policy == 'diff':
        torch.testing.assert_close(outs[1], a[1] - b[1])


def test_distance_map_is_eq7():
    torch.manual_seed(0)
    a = [torch.randn(1, 3, 8, 8), torch.randn(1, 5, 4, 4)]
    b = [torch.randn(1, 3, 8, 8), torch.randn(1, 5, 4, 4)]

    def concat(feats):
        return torch.cat([
            torch.nn.functional.interpolate(
                f, size=(8, 8), mode='bilinear', align_corners=False)
            for f in feats
        ],
                         dim=1)

    expected = (concat(a) - concat(b)).norm(dim=1, keepdim=True)
    torch.testing.assert_close(distance_map(a, b), expected)
    assert distance_map(a, a).max() < 1e-5


def test_backbone_runs_once_on_2n_images(repo):
    model = build(repo, 'siamese')
    calls = []
    model.backbone.register_forward_hook(
        lambda m, inp, out: calls.append(inp[0].shape[0]))
    model.extract_feat(torch.randn(3, 6, 64, 64))
    assert calls == [6]
    with pytest.raises(ValueError, match='even channel count'):
        model.extract_feat(torch.randn(1, 3, 64, 64))


def test_identical_pair_gives_zero_difference(repo):
    model = build(repo, 'cadnet')
    img = torch.randn(2, 3, 64, 64)
    feats = model.extract_feat(torch.cat([img, img], dim=1))
    assert len(feats) == 5
    for f in feats[:4]:
        assert f.abs().max() == 0
    assert feats['distance_map'] is feats[4]
    assert feats['distance_map'].shape == (2, 1, 16, 16)
    assert feats['distance_map'].max() < 1e-5


@pytest.mark.parametrize('name,channels', [('siamese', 6), ('early_fusion', 6),
                                           ('segformer', 3), ('cadnet', 6)])
def test_loss_and_batched_predict(repo, name, channels):
    model = build(repo, name)
    model.train()
    data = model.data_preprocessor(batch(2, channels), True)
    losses = model.loss(**data)
    assert 'decode.loss_ce' in losses
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    data = model.data_preprocessor(batch(3, channels), False)
    with torch.no_grad():
        preds = model.predict(**data)
    assert len(preds) == 3
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert preds[0].seg_logits.data.shape == (3, 64, 64)
    assert 0 <= float(preds[0].pred_score) <= 1


def test_batched_and_slide_inference_match_single(repo):
    model = build(repo, 'cadnet')
    data = model.data_preprocessor(batch(3, 6), False)
    with torch.no_grad():
        together = model.predict(**copy.deepcopy(data))
        for i in range(3):
            alone = model.predict(data['inputs'][i:i + 1],
                                  [copy.deepcopy(data['data_samples'][i])])
            torch.testing.assert_close(
                alone[0].seg_logits.data,
                together[i].seg_logits.data,
                atol=1e-4,
                rtol=1e-4)
        model.test_cfg = ConfigDict(
            mode='slide', crop_size=(32, 32), stride=(24, 24))
        slid = model.predict(**copy.deepcopy(data))
    assert slid[2].seg_logits.data.shape == (3, 64, 64)


def test_mmpretrain_backbone_as_shared_encoder(repo):
    cfg = Config.fromfile(f'{repo}/{BASELINES["siamese"]}')
    cfg.model.backbone = dict(
        type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3))
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__module__.startswith('mmpretrain')
    data = model.data_preprocessor(batch(2, 6), True)
    losses = model.loss(**data)
    assert torch.isfinite(losses['decode.loss_ce'])

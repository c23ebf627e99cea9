# Copyright (c) mmdefect contributors. All rights reserved.
"""ChangeAwareHead (CADNet Eq. 11-14) and MapLossHead."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.models.backbones import MixVisionTransformer
from mmseg.models.decode_heads import SegformerHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmdefect.models.decode_heads  # noqa: F401  (registers the heads)
import mmdefect.models.losses  # noqa: F401
from mmdefect.models.decode_heads import ChangeAwareHead, MapLossHead
from mmdefect.models.utils import FeatureList

MIT_B0_CHANNELS = [32, 64, 160, 256]


def _head_cfg(channels=16, **kwargs):
    cfg = dict(
        type='ChangeAwareHead',
        in_channels=MIT_B0_CHANNELS,
        in_index=[0, 1, 2, 3],
        dist_index='distance_map',
        channels=channels,
        num_classes=3,
        dropout_ratio=0.1,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
    cfg.update(kwargs)
    return cfg


def _neck_outputs(n=2, size=64, dist=None):
    """Stand-in for FeatureFusionNeck(policy='diff', distance_map=True)."""
    feats = [
        torch.randn(n, c, size // s, size // s)
        for c, s in zip(MIT_B0_CHANNELS, (4, 8, 16, 32))
    ]
    if dist is None:
        dist = torch.rand(n, 1, size // 4, size // 4) * 3
    return FeatureList(feats + [dist], dict(distance_map=4))


def _data_samples(n=2, size=64):
    samples = []
    for _ in range(n):
        sample = SegDataSample()
        label = torch.randint(0, 3, (1, size, size))
        label[0, :4] = 255
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(
            dict(img_shape=(size, size), pad_shape=(size, size)))
        samples.append(sample)
    return samples


def _num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('mode', ['intra', 'out_of_class'])
@pytest.mark.parametrize('align_corners', [False, True])
def test_forward_shapes(mode, align_corners):
    head = MODELS.build(_head_cfg(mode=mode, align_corners=align_corners))
    assert isinstance(head, ChangeAwareHead)
    logits = head(_neck_outputs())
    assert logits.shape == (2, 3, 16, 16)


def test_dist_at_other_resolution_is_resized():
    inputs = _neck_outputs()
    inputs[4] = torch.rand(2, 1, 8, 8)
    head = MODELS.build(_head_cfg())
    assert head(inputs).shape == (2, 3, 16, 16)


def test_invalid_mode():
    with pytest.raises(ValueError):
        MODELS.build(_head_cfg(mode='both'))


@pytest.mark.parametrize('mode', ['intra', 'out_of_class'])
def test_loss_and_gradients(mode):
    head = MODELS.build(_head_cfg(mode=mode))
    inputs = _neck_outputs()
    for x in inputs:
        x.requires_grad_()
    losses = head.loss(inputs, _data_samples(), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'acc_seg'}
    losses['loss_ce'].backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
        assert param.grad.abs().sum() > 0, name
    for x in inputs[:4]:
        assert x.grad.abs().sum() > 0
    # The DistMap is detached: it is trained by the contrastive loss only.
    assert inputs[4].grad is None


@pytest.mark.parametrize('mode', ['intra', 'out_of_class'])
def test_folded_fusion_equals_the_modulated_features(mode):
    # The fusion kernel absorbs the channel weights and the tiled HA/VA
    # term (and the gate commutes with it): the logits equal those of the
    # naive formula, which builds the (N, 4C, H, W) modulated features and
    # runs the fusion ConvModule on them (Eq. 11-14 as in the docstring).
    head = MODELS.build(_head_cfg(channels=8, mode=mode))
    head.train()  # batch statistics in the norms, on both sides
    head.dropout.p = 0.0
    torch.manual_seed(0)
    for p in head.parameters():  # non-trivial BN affine and biases
        p.data.normal_(0, 0.5)
    inputs = _neck_outputs(n=3)

    feats = [inputs[i] for i in range(4)]
    size = feats[0].shape[2:]
    projected = [
        torch.nn.functional.interpolate(
            conv(x), size=size, mode='bilinear', align_corners=False)
        for conv, x in zip(head.convs, feats)
    ]
    x = torch.cat(projected, dim=1)
    dist = inputs[4].sigmoid()
    if mode == 'intra':
        hw = head.coord_att(sum(projected) + dist)
        modulated = (x + hw.repeat(1, 4, 1, 1)) * head.channel_att(x + dist)
    else:
        low = dist.flatten(1).min(1)[0].view(-1, 1, 1, 1)
        high = dist.flatten(1).max(1)[0].view(-1, 1, 1, 1)
        gate = (dist - low) / (high - low + 1e-6)
        modulated = x * head.channel_att(x) * gate
    naive = head.conv_seg(head.fusion_conv(modulated))
    torch.testing.assert_close(head(inputs), naive, atol=1e-5, rtol=1e-4)


def test_out_of_class_has_no_coord_attention():
    head = MODELS.build(_head_cfg(mode='out_of_class'))
    assert not hasattr(head, 'coord_att')
    assert hasattr(MODELS.build(_head_cfg()), 'coord_att')


@pytest.mark.parametrize('value', [0.0, 1.5])
def test_out_of_class_without_change_predicts_bias(value):
    # Eq. 14: a DistMap without contrast (constant, here zero or 1.5)
    # normalises to zero, so every feature before the classifier is zero
    # and the logits are the classifier bias everywhere.
    head = MODELS.build(_head_cfg(mode='out_of_class'))
    head.eval()
    dist = torch.full((2, 1, 16, 16), value)
    with torch.no_grad():
        logits = head(_neck_outputs(dist=dist))
    bias = head.conv_seg.bias.view(1, 3, 1, 1).expand_as(logits)
    torch.testing.assert_close(logits, bias)


def test_out_of_class_gates_by_change():
    # Only the pixel of maximal change passes the gate; all other pixels
    # are suppressed to the classifier bias.
    head = MODELS.build(_head_cfg(mode='out_of_class'))
    head.eval()
    dist = torch.zeros(1, 1, 16, 16)
    dist[0, 0, 5, 7] = 4.0
    with torch.no_grad():
        logits = head(_neck_outputs(n=1, dist=dist))
    bias = head.conv_seg.bias.view(3, 1)
    flat = logits[0].flatten(1)  # (3, 256)
    changed = 5 * 16 + 7
    others = torch.cat([flat[:, :changed], flat[:, changed + 1:]], dim=1)
    torch.testing.assert_close(others, bias.expand_as(others))


def test_predict_resizes_to_input():
    head = MODELS.build(_head_cfg())
    head.eval()
    metas = [dict(img_shape=(64, 64), pad_shape=(64, 64))] * 2
    out = head.predict(_neck_outputs(), metas, test_cfg=dict())
    assert out.shape == (2, 3, 64, 64)


def test_param_count_matches_paper():
    """MiT-B0 + CAD head (C = 256, 3 classes) = 3.90 M +- 5 % (Table 3/7)."""
    backbone = MixVisionTransformer(
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True)
    segformer = SegformerHead(
        in_channels=MIT_B0_CHANNELS,
        in_index=[0, 1, 2, 3],
        channels=256,
        num_classes=3,
        norm_cfg=dict(type='BN', requires_grad=True))
    cad = MODELS.build(_head_cfg(channels=256))
    n_backbone = _num_params(backbone)
    n_segformer = _num_params(segformer)
    n_cad = _num_params(cad)
    # SegFormer-B0 with 3 classes: 3.716 M (paper: 3.72 M).
    assert (n_backbone + n_segformer) / 1e6 == pytest.approx(3.72, abs=0.01)
    assert (n_backbone + n_cad) / 1e6 == pytest.approx(3.90, rel=0.05)
    # Table 7: CAD adds about 0.18 M parameters.
    assert (n_cad - n_segformer) / 1e6 == pytest.approx(0.18, abs=0.01)


def test_map_loss_head_loss():
    head = MODELS.build(
        dict(
            type='MapLossHead',
            in_index='distance_map',
            loss=dict(type='BalancedContrastiveLoss')))
    assert isinstance(head, MapLossHead)
    assert len(list(head.parameters())) == 0
    inputs = _neck_outputs()
    inputs[4].requires_grad_()
    losses = head.loss(inputs, _data_samples(), train_cfg=dict())
    assert set(losses) == {'loss_bcl'}
    assert losses['loss_bcl'].dim() == 0
    losses['loss_bcl'].backward()
    assert inputs[4].grad.abs().sum() > 0


def test_map_loss_head_sums_losses_and_finds_maps_by_negative_index():
    head = MapLossHead(
        in_index=-1,
        loss=[
            dict(type='BalancedContrastiveLoss', loss_name='loss_bcl'),
            dict(
                type='BalancedContrastiveLoss',
                balanced=False,
                loss_weight=0.5,
                loss_name='loss_cl')
        ])
    inputs = _neck_outputs()
    samples = _data_samples()
    losses = head.loss(inputs, samples, train_cfg=dict())
    assert set(losses) == {'loss_bcl', 'loss_cl'}
    label = torch.stack([s.gt_sem_seg.data for s in samples]).squeeze(1)
    expected = MODELS.build(
        dict(type='BalancedContrastiveLoss', balanced=False))(inputs[4], label)
    torch.testing.assert_close(losses['loss_cl'], 0.5 * expected)


def test_map_loss_head_target_field_and_missing_target():
    """Any packed gt_*_map supervises the map; a missing one names the
    image."""
    head = MapLossHead(
        in_index='distance_map',
        target='gt_edge_map',
        loss=dict(type='BalancedContrastiveLoss', balanced=False))
    inputs = _neck_outputs()
    samples = _data_samples()
    for sample in samples:
        sample.gt_edge_map = PixelData(data=torch.zeros(1, 64, 64).long())
    zeros = torch.zeros(2, 64, 64, dtype=torch.long)
    expected = MODELS.build(
        dict(type='BalancedContrastiveLoss', balanced=False))(inputs[4], zeros)
    torch.testing.assert_close(
        head.loss(inputs, samples, dict())['loss_bcl'], expected)
    samples[1] = _data_samples(1)[0]
    samples[1].set_metainfo(dict(img_path='b.png'))
    with pytest.raises(KeyError, match=r"gt_edge_map.*b\.png"):
        head.loss(inputs, samples, dict())


def test_map_loss_head_needs_a_loss():
    with pytest.raises(ValueError, match='at least one loss'):
        MapLossHead(in_index=4, loss=[])


def test_map_loss_head_subsample_target():
    """``subsample_target``: a 1/2-size logit meets the target's pixels
    (2i, 2j) (LSA-Net's location label); the default resizes the logit
    instead."""
    torch.manual_seed(0)
    logit = torch.randn(1, 1, 4, 4)
    target = torch.randint(0, 2, (1, 1, 8, 8))
    sample = SegDataSample(gt_loc_map=PixelData(data=target[0]))
    loss = dict(type='BCEDiceLoss')
    at_map = MapLossHead(
        in_index=0, target='gt_loc_map', loss=loss, subsample_target=True)
    value = at_map.loss([logit], [sample], dict())['loss_bce_dice']
    expected = MODELS.build(loss)(logit, target[:, 0, ::2, ::2])
    torch.testing.assert_close(value, expected)
    at_target = MapLossHead(in_index=0, target='gt_loc_map', loss=loss)
    resized = torch.nn.functional.interpolate(
        logit, size=(8, 8), mode='bilinear')
    torch.testing.assert_close(
        at_target.loss([logit], [sample], dict())['loss_bce_dice'],
        MODELS.build(loss)(resized, target[:, 0]))

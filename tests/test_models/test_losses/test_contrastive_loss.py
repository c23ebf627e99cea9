# Copyright (c) mmdefect contributors. All rights reserved.
"""Balanced contrastive loss (CADNet Eq. 8-10) against hand-computed values.

Default margins tau_ok = 0.3, tau_ng = 2.2. Per-pixel terms:
background max(0, d - 0.3), defect class k: B_k * max(0, 2.2 - d).
"""
import pytest
import torch
from mmseg.registry import MODELS

import mmdefect.models.losses  # noqa: F401  (registers the loss)
from mmdefect.models.losses import (BalancedContrastiveLoss,
                                    balanced_contrastive_loss)

# A 1x1x2x3 DistMap shared by most cases.
DIST = [[0.1, 0.5, 1.0], [2.0, 3.0, 0.2]]


def _dist(values=DIST, requires_grad=False):
    return torch.tensor([[values]], requires_grad=requires_grad)  # (1,1,2,3)


def _label(values):
    return torch.tensor([values])  # (1, 2, 3)


# Both defect classes: three pixels of class 1, one of class 2.
#   background: d=0.1 -> 0,   d=0.5 -> 0.2
#   class 1:    d=1.0 -> 1.2, d=2.0 -> 0.2, d=3.0 -> 0       (sum 1.4)
#   class 2:    d=0.2 -> 2.0
# Eq. 9: n_1 = 3, n_2 = 1 -> B_1 = 4/3, B_2 = 4.
LABEL_BOTH = [[0, 0, 1], [1, 1, 2]]


def test_both_defect_classes():
    # (0.2 + 4/3 * 1.4 + 4 * 2.0) / 6 = 10.0666.. / 6
    loss = balanced_contrastive_loss(_dist(), _label(LABEL_BOTH))
    assert loss.item() == pytest.approx((0.2 + 5.6 / 3 + 8.0) / 6)
    assert loss.item() == pytest.approx(1.677778, abs=1e-6)


def test_one_defect_class_absent():
    # Only class 2 present: B_2 = 2 / 2 = 1, so BCL equals CL.
    #   background: 0.1 -> 0, 0.5 -> 0.2, 3.0 -> 2.7, 0.2 -> 0
    #   class 2:    1.0 -> 1.2, 2.0 -> 0.2
    # (0.2 + 2.7 + 1.4) / 6 = 4.3 / 6
    label = _label([[0, 0, 2], [2, 0, 0]])
    loss = balanced_contrastive_loss(_dist(), label)
    assert loss.item() == pytest.approx(4.3 / 6)
    assert torch.isfinite(loss)
    plain = balanced_contrastive_loss(_dist(), label, balanced=False)
    assert loss.item() == pytest.approx(plain.item())


def test_no_defects():
    # All background: 0 + 0.2 + 0.7 + 1.7 + 2.7 + 0 = 5.3, mean 5.3 / 6
    label = _label([[0, 0, 0], [0, 0, 0]])
    loss = balanced_contrastive_loss(_dist(), label)
    assert loss.item() == pytest.approx(5.3 / 6)


def test_ignore_index():
    # The d=0.5 background pixel is ignored; 5 valid pixels remain and the
    # balance factors are unchanged (n_1 = 3, n_2 = 1):
    # (0 + 4/3 * 1.4 + 4 * 2.0) / 5 = 9.8666.. / 5
    label = _label([[0, 255, 1], [1, 1, 2]])
    loss = balanced_contrastive_loss(_dist(), label)
    assert loss.item() == pytest.approx((5.6 / 3 + 8.0) / 5)
    # Ignored defect pixels do not count in the balance factor either:
    # class 2 ignored -> only class 1, B_1 = 1: (0.2 + 1.4) / 5
    label = _label([[0, 0, 1], [1, 1, 255]])
    loss = balanced_contrastive_loss(_dist(), label)
    assert loss.item() == pytest.approx(1.6 / 5)
    # A custom ignore index.
    label = _label([[0, 7, 1], [1, 1, 2]])
    loss = balanced_contrastive_loss(_dist(), label, ignore_index=7)
    assert loss.item() == pytest.approx((5.6 / 3 + 8.0) / 5)


def test_all_ignored_is_zero_with_gradient():
    dist = _dist(requires_grad=True)
    loss = balanced_contrastive_loss(dist, torch.full((1, 2, 3), 255))
    assert loss.item() == 0
    loss.backward()
    assert torch.all(dist.grad == 0)


def test_fixed_class_weight():
    # class_weight [2.0, 0.5] weights labels 1 and 2 instead of B_k:
    # (0.2 + 2.0 * 1.4 + 0.5 * 2.0) / 6 = 4.0 / 6
    loss = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), class_weight=[2.0, 0.5])
    assert loss.item() == pytest.approx(4.0 / 6)
    # The authors' SynLCD weights [1/0.924, 1/0.076]:
    # (0.2 + 1.4 / 0.924 + 2.0 / 0.076) / 6
    loss = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), class_weight=[1 / 0.924, 1 / 0.076])
    assert loss.item() == pytest.approx(
        (0.2 + 1.4 / 0.924 + 2.0 / 0.076) / 6, rel=1e-5)


def test_class_weight_too_short():
    with pytest.raises(ValueError):
        balanced_contrastive_loss(
            _dist(), _label(LABEL_BOTH), class_weight=[1.0])


def test_unbalanced_is_plain_cl():
    # balanced=False: every defect class weight 1: (0.2 + 1.4 + 2.0) / 6
    loss = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), balanced=False)
    assert loss.item() == pytest.approx(3.6 / 6)
    with pytest.raises(ValueError):
        balanced_contrastive_loss(
            _dist(), _label(LABEL_BOTH), balanced=False, class_weight=[1, 1])
    with pytest.raises(ValueError):
        BalancedContrastiveLoss(balanced=False, class_weight=[1, 1])


def test_margins():
    # tau_ok = 0, tau_ng = 1: background 0.1 + 0.5, class 1: 0 (d=1.0),
    # 0, 0; class 2: 4 * 0.8 -> (0.6 + 3.2) / 6
    loss = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), tau_ok=0.0, tau_ng=1.0)
    assert loss.item() == pytest.approx(3.8 / 6)


def test_reductions():
    per_pixel = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), reduction='none')
    expected = torch.tensor([[[0.0, 0.2, 4 / 3 * 1.2],
                              [4 / 3 * 0.2, 0.0, 4 * 2.0]]])
    torch.testing.assert_close(per_pixel, expected)
    total = balanced_contrastive_loss(
        _dist(), _label(LABEL_BOTH), reduction='sum')
    assert total.item() == pytest.approx(0.2 + 5.6 / 3 + 8.0)
    # (N, h, w) DistMaps are accepted too.
    loss = balanced_contrastive_loss(_dist()[:, 0], _label(LABEL_BOTH))
    assert loss.item() == pytest.approx((0.2 + 5.6 / 3 + 8.0) / 6)


def test_module_loss_weight_and_name():
    loss_fn = MODELS.build(dict(type='BalancedContrastiveLoss'))
    assert isinstance(loss_fn, BalancedContrastiveLoss)
    assert loss_fn.loss_name == 'loss_bcl'
    assert loss_fn(_dist(), _label(LABEL_BOTH)).item() == pytest.approx(
        (0.2 + 5.6 / 3 + 8.0) / 6)

    loss_fn = BalancedContrastiveLoss(loss_weight=0.5, loss_name='loss_cl')
    assert loss_fn.loss_name == 'loss_cl'
    assert loss_fn(_dist(), _label(LABEL_BOTH)).item() == pytest.approx(
        0.5 * (0.2 + 5.6 / 3 + 8.0) / 6)
    # ignore_index passed at call time, as BaseDecodeHead does for its
    # losses, overrides the constructor's.
    loss_fn = BalancedContrastiveLoss(balanced=False)
    loss = loss_fn(_dist(), _label([[0, 7, 1], [1, 1, 2]]), ignore_index=7)
    assert loss.item() == pytest.approx((1.4 + 2.0) / 5)


def test_gradient_sign():
    # Minimising must push background distances down (positive gradient)
    # and defect distances up (negative gradient); pixels already past
    # their margin get none. Gradients are w / 6 for 6 valid pixels.
    dist = _dist(requires_grad=True)
    balanced_contrastive_loss(dist, _label(LABEL_BOTH)).backward()
    expected = torch.tensor([[[[0.0, 1.0, -4 / 3], [-4 / 3, 0.0, -4.0]]]]) / 6
    torch.testing.assert_close(dist.grad, expected)


def test_upsamples_low_resolution_dist():
    # One value per sample, upsampled to 4x4 labels:
    # sample 0 all background, d = 0.5 -> 0.2 per pixel;
    # sample 1 all class 1,    d = 1.0 -> 1.2 per pixel (B_1 = 1).
    # (16 * 0.2 + 16 * 1.2) / 32 = 0.7
    dist = torch.tensor([0.5, 1.0]).view(2, 1, 1, 1)
    label = torch.stack([torch.zeros(4, 4), torch.ones(4, 4)]).long()
    loss = balanced_contrastive_loss(dist, label)
    assert loss.item() == pytest.approx(0.7)

    # With align_corners=True a 2x2 map [[0, 1], [2, 3]] becomes the exact
    # 3x3 ramp [[0, .5, 1], [1, 1.5, 2], [2, 2.5, 3]]; all class 1:
    # 2.2 + 1.7 + 1.2 + 1.2 + 0.7 + 0.2 + 0.2 + 0 + 0 = 7.4, mean 7.4 / 9
    dist = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    label = torch.ones(1, 3, 3, dtype=torch.long)
    loss = balanced_contrastive_loss(dist, label, align_corners=True)
    assert loss.item() == pytest.approx(7.4 / 9)
    loss_fn = BalancedContrastiveLoss(align_corners=True)
    assert loss_fn(dist, label).item() == pytest.approx(7.4 / 9)


def test_rejects_multichannel_dist():
    with pytest.raises(ValueError):
        balanced_contrastive_loss(torch.zeros(1, 2, 2, 3), _label(LABEL_BOTH))

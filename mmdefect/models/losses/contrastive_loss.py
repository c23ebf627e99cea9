# Copyright (c) mmdefect contributors. All rights reserved.
"""Balanced contrastive loss of CADNet (paper Sec. 3.2.1, Eq. 8-10)."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.losses.utils import get_class_weight, weight_reduce_loss
from mmseg.registry import MODELS
from torch import Tensor


def balanced_contrastive_loss(dist: Tensor,
                              label: Tensor,
                              tau_ok: float = 0.3,
                              tau_ng: float = 2.2,
                              class_weight: Optional[Sequence[float]] = None,
                              balanced: bool = True,
                              ignore_index: int = 255,
                              reduction: str = 'mean',
                              avg_factor: Optional[float] = None,
                              align_corners: bool = False) -> Tensor:
    """Balanced contrastive loss (BCL) on a feature-distance map.

    CADNet, Sec. 3.2.1. Background pixels (label 0) pull the distance below
    ``tau_ok`` and defect pixels of class ``k > 0`` push it above ``tau_ng``,
    the latter weighted by the balance factor ``B_k`` of Eq. 9:

    .. math::

        \\ell(i, j) = \\begin{cases}
            \\max(0, d - \\tau_{ok}),        & y = 0 \\\\
            B_y \\max(0, \\tau_{ng} - d),    & y \\in 1..c
        \\end{cases}

    Differences from the paper, all deliberate:

    * Eq. 8 writes ``d - tau_ok`` for background pixels without a clamp.
      That term is unbounded below (the loss could be lowered forever by
      pulling the background distance to 0 and beyond ``tau_ok``), so the
      hinge ``max(0, d - tau_ok)`` of the authors' code is used: distances
      already under ``tau_ok`` are left alone.
    * Eq. 9 defines ``B_k = sum_q n_q / n_k`` over the change pixels; here
      the counts are taken per batch over the valid (non-ignored) defect
      pixels. Classes absent from the batch get no factor (and cause no
      division by zero); with a single defect class present ``B = 1`` and BCL
      equals CL. The authors' code instead uses fixed inverse dataset shares
      (``[1 / 0.924, 1 / 0.076]`` for SynLCD line/abpt); pass them as
      ``class_weight`` to reproduce it.
    * Reduction: mean over the valid pixels. The authors' code sums over all
      pixels, divides by ``H * 512`` (the mean over all pixels, ignored ones
      included, for 512-wide labels) and scales the result by 0.001 before
      adding it to the cross-entropy, whereas the paper (Eq. 16) states
      ``lambda_2 = 1``. Set ``loss_weight`` of :class:`BalancedContrastiveLoss`
      to 0.001 to follow the code.

    Args:
        dist (Tensor): DistMap of Eq. 7, shape (N, 1, h, w) or (N, h, w).
            It is upsampled bilinearly to the label size, as the authors'
            code does, so a 1/4-resolution map can be supervised with the
            full-resolution mask.
        label (Tensor): Ground truth, shape (N, H, W), 0 = background,
            ``1..c`` = defect classes, ``ignore_index`` = unlabeled.
        tau_ok (float): Margin for background pixels. Defaults to 0.3.
        tau_ng (float): Margin for defect pixels. Defaults to 2.2.
        class_weight (Sequence[float], optional): Fixed per-defect-class
            weights replacing the per-batch ``B_k``; entry ``i`` weights label
            ``i + 1`` (background is never weighted). Needs ``balanced=True``.
        balanced (bool): If False, every defect class has weight 1, i.e. the
            plain contrastive loss CL of Eq. 8 (Table 7 ablation).
        ignore_index (int): Label value that contributes nothing.
        reduction (str): 'mean' (over valid pixels), 'sum' or 'none'
            (per-pixel map of shape (N, H, W), zero at ignored pixels).
        avg_factor (float, optional): Denominator of the 'mean' reduction;
            defaults to the number of valid pixels.
        align_corners (bool): ``align_corners`` of the upsampling.

    Returns:
        Tensor: The loss.
    """
    if class_weight is not None and not balanced:
        raise ValueError('class_weight is a balancing scheme; it cannot be '
                         'combined with balanced=False')
    if dist.dim() == 4:
        if dist.size(1) != 1:
            raise ValueError('dist must have one channel, got shape '
                             f'{tuple(dist.shape)}')
    else:
        dist = dist.unsqueeze(1)
    if dist.shape[2:] != label.shape[1:]:
        dist = F.interpolate(
            dist,
            size=label.shape[1:],
            mode='bilinear',
            align_corners=align_corners)
    dist = dist.squeeze(1)  # (N, H, W)

    valid = label != ignore_index
    is_bg = valid & (label == 0)
    is_ng = valid & (label > 0)

    # Per-pixel weight of the defect term, 1 wherever no balancing applies.
    weight = torch.ones_like(dist)
    if balanced:
        ng_label = label[is_ng]
        if class_weight is not None:
            table = dist.new_tensor(class_weight)
            if ng_label.numel() > 0 and int(ng_label.max()) > table.numel():
                raise ValueError(
                    f'label {int(ng_label.max())} has no entry in '
                    f'class_weight of length {table.numel()}')
            weight[is_ng] = table[ng_label - 1]
        elif ng_label.numel() > 0:
            # Counts in float32: pixel counts overflow float16 under AMP.
            counts = torch.bincount(ng_label).float()
            # Absent classes are never looked up, so clamping only keeps
            # their (unused) factor finite.
            factor = counts.sum() / counts.clamp(min=1)
            weight[is_ng] = factor[ng_label].to(weight.dtype)

    zero = dist.new_zeros(())
    loss = torch.where(
        is_bg, F.relu(dist - tau_ok),
        torch.where(is_ng, weight * F.relu(tau_ng - dist), zero))

    if reduction == 'mean' and avg_factor is None:
        avg_factor = valid.sum()
    return weight_reduce_loss(loss, reduction=reduction, avg_factor=avg_factor)


@MODELS.register_module()
class BalancedContrastiveLoss(nn.Module):
    """Balanced contrastive loss of CADNet (paper Sec. 3.2.1, Eq. 8-10).

    Thin wrapper around :func:`balanced_contrastive_loss`; see it for the
    semantics and how they differ from the paper and the authors' code.
    The input is the DistMap (N, 1, h, w) of the fusion neck, not logits.

    Args:
        tau_ok (float): Background margin. Defaults to 0.3.
        tau_ng (float): Defect margin. Defaults to 2.2.
        balanced (bool): Per-batch balance factor of Eq. 9 (True) or plain CL
            of Eq. 8 (False). Defaults to True.
        class_weight (list[float] | str, optional): Fixed weights of the
            defect classes (entry ``i`` weights label ``i + 1``), or a path
            to a file holding them, replacing the per-batch factor.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
        loss_weight (float): Weight of the loss (``lambda_2`` of Eq. 16).
            Defaults to 1.0, the paper's value.
        ignore_index (int): Ignored label. Defaults to 255.
        align_corners (bool): ``align_corners`` when upsampling the DistMap.
        loss_name (str): Key of the loss in the returned dict; must start
            with ``loss_`` to be back-propagated. Defaults to 'loss_bcl'.
    """

    def __init__(self,
                 tau_ok: float = 0.3,
                 tau_ng: float = 2.2,
                 balanced: bool = True,
                 class_weight: Optional[Union[Sequence[float], str]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 loss_name: str = 'loss_bcl'):
        super().__init__()
        if class_weight is not None and not balanced:
            raise ValueError('class_weight is a balancing scheme; it cannot '
                             'be combined with balanced=False')
        self.tau_ok = tau_ok
        self.tau_ng = tau_ng
        self.balanced = balanced
        self.class_weight = get_class_weight(class_weight)
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self._loss_name = loss_name

    def forward(self,
                dist: Tensor,
                label: Tensor,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Compute the loss of a DistMap (N, 1, h, w) against labels
        (N, H, W)."""
        reduction = reduction_override or self.reduction
        if ignore_index is None:
            ignore_index = self.ignore_index
        return self.loss_weight * balanced_contrastive_loss(
            dist,
            label,
            tau_ok=self.tau_ok,
            tau_ng=self.tau_ng,
            class_weight=self.class_weight,
            balanced=self.balanced,
            ignore_index=ignore_index,
            reduction=reduction,
            avg_factor=avg_factor,
            align_corners=self.align_corners)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict (mmseg convention)."""
        return self._loss_name

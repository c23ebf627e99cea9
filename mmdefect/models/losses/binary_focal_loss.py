"""Binary focal loss in plain PyTorch (BANet Eq. 9, BGNet Eq. 16)."""
from typing import Optional

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .pixel_loss import OneLogitPixelLoss


def binary_focal_loss(logits: Tensor,
                      label: Tensor,
                      alpha: Optional[float] = 0.25,
                      gamma: float = 2.0,
                      ignore_index: int = 255) -> Tensor:
    """Mean focal loss of one-channel logits over the valid pixels.

    Lin et al. (ICCV 2017), the form BANet Eq. 9 cites:
    ``-alpha_t (1 - p_t)^gamma log(p_t)`` with ``p_t`` the probability of
    the true class and ``alpha_t = alpha`` for defect pixels, ``1 - alpha``
    for background (the printed equation has a bare alpha, which would only
    scale the loss).  Equal to torchvision's
    ``sigmoid_focal_loss(..., reduction='mean')`` on valid pixels.  With
    ``alpha=None`` no class weight: BGNet's Eq. 16.  mmseg's ``FocalLoss``
    calls an mmcv op that the CPU-built mmcv lacks on CUDA.

    Args:
        logits (Tensor): (N, 1, H, W) or (N, H, W).
        label (Tensor): (N, H, W), 0 background, 1 defect, ``ignore_index``.
    """
    if logits.dim() == 4:
        if logits.shape[1] != 1:
            raise ValueError('binary_focal_loss expects one-channel logits, '
                             f'got shape {tuple(logits.shape)}')
        logits = logits[:, 0]
    valid = label != ignore_index
    target = (label == 1).to(logits.dtype)
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
    prob = logits.sigmoid()
    p_t = prob * target + (1 - prob) * (1 - target)
    loss = ce * (1 - p_t)**gamma
    if alpha is not None:
        loss = loss * (alpha * target + (1 - alpha) * (1 - target))
    return (loss * valid).sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class BinaryFocalLoss(OneLogitPixelLoss):
    """Registered wrapper of :func:`binary_focal_loss` (mmseg loss API).

    Args:
        alpha (float, optional): Weight of the defect class (BANet: 0.25);
            None: no class weight (BGNet).  Defaults to 0.25.
        gamma (float): Focusing parameter.  Defaults to 2.
        loss_weight (float): Weight of the loss.  Defaults to 1.
        loss_name (str): Key in the loss dict.  Defaults to 'loss_focal'.
    """

    def __init__(self,
                 alpha: Optional[float] = 0.25,
                 gamma: float = 2.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_focal') -> None:
        super().__init__(loss_weight, loss_name)
        self.alpha = alpha
        self.gamma = gamma

    def compute(self, pred: Tensor, label: Tensor,
                ignore_index: int) -> Tensor:
        return binary_focal_loss(pred, label, self.alpha, self.gamma,
                                 ignore_index)

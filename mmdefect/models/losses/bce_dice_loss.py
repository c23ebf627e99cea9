"""BCE + soft Dice on one-channel logits (LSA-Net Eq. 4, the authors'
form)."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .pixel_loss import OneLogitPixelLoss


def bce_dice_loss(logits: Tensor,
                  label: Tensor,
                  bce_weight: float = 0.5,
                  smooth: float = 1e-5,
                  ignore_index: int = 255) -> Tensor:
    """``bce_weight * BCE + (1 - mean per-image soft Dice)``.

    LSA-Net trains its segmentation and location outputs with this loss
    (Sec. 3.5, Eq. 4).  Eq. 4 as printed drops the background term of the
    BCE and the ``1 -`` of the Dice term (it would be minimised by predicting
    defect everywhere); this is the authors' code's form: the
    BCE is the mean over all valid pixels of the batch, the Dice of image b
    is ``(2 sum(p y) + s) / (sum(p) + sum(y) + s)`` over its valid pixels
    with ``p = sigmoid(logit)`` and ``s = 1e-5``, so a defect-free image
    predicted empty has Dice 1.  Pixels equal to ``ignore_index`` take part
    in neither term.

    mmseg's ``DiceLoss`` does not fit: for a one-channel prediction it
    one-hot encodes the label into the *background* indicator and drops
    ignored channels rather than pixels.

    Args:
        logits (Tensor): (N, 1, H, W) or (N, H, W).
        label (Tensor): (N, H, W), 0 background, 1 defect, ``ignore_index``.
    """
    if logits.dim() == 4:
        if logits.shape[1] != 1:
            raise ValueError('bce_dice_loss expects one-channel logits, got '
                             f'shape {tuple(logits.shape)}')
        logits = logits[:, 0]
    valid = (label != ignore_index).to(logits.dtype)
    target = (label == 1).to(logits.dtype)
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
    bce = (bce * valid).sum() / valid.sum().clamp(min=1)
    prob = logits.sigmoid() * valid
    inter = (prob * target).flatten(1).sum(1)
    total = prob.flatten(1).sum(1) + (target * valid).flatten(1).sum(1)
    dice = (2 * inter + smooth) / (total + smooth)
    return bce_weight * bce + (1 - dice.mean())


@MODELS.register_module()
class BCEDiceLoss(OneLogitPixelLoss):
    """Registered wrapper of :func:`bce_dice_loss` (mmseg loss API).

    Args:
        bce_weight (float): Weight of the BCE term.  Defaults to 0.5.
        smooth (float): Dice smoothing.  Defaults to 1e-5.
        loss_weight (float): Weight of the loss (LSA-Net Eq. 5: 1.4 on the
            segmentation, 0.4 on the location).  Defaults to 1.
        loss_name (str): Key in the loss dict.  Defaults to 'loss_bce_dice'.
    """

    def __init__(self,
                 bce_weight: float = 0.5,
                 smooth: float = 1e-5,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bce_dice') -> None:
        super().__init__(loss_weight, loss_name)
        self.bce_weight = bce_weight
        self.smooth = smooth

    def compute(self, pred: Tensor, label: Tensor,
                ignore_index: int) -> Tensor:
        return bce_dice_loss(pred, label, self.bce_weight, self.smooth,
                             ignore_index)

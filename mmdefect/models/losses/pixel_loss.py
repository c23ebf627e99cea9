"""The mmseg loss API shared by the plugin's one-logit pixel losses."""
from typing import Optional

import torch.nn as nn
from torch import Tensor


class OneLogitPixelLoss(nn.Module):
    """Base of a registered one-logit pixel loss: mmseg calls it as
    ``loss(pred, label, weight=None, ignore_index=255)`` and reads
    ``loss_name``; a subclass computes the unweighted value in
    :meth:`compute`.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Key in the loss dict.
    """

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def compute(self, pred: Tensor, label: Tensor,
                ignore_index: int) -> Tensor:
        raise NotImplementedError

    def forward(self,
                pred: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        if weight is not None:
            raise ValueError(f'{type(self).__name__} takes no pixel weights')
        return self.loss_weight * self.compute(pred, label, ignore_index)

    @property
    def loss_name(self) -> str:
        return self._loss_name

"""Multiscale feature fusion (MFF) of MFFPA and the large-kernel end of the
SegDecNet segmentation network."""
from typing import List, Sequence

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn
from torch.nn import functional as F

from ..layers import OutlookAttention, SegDecConv


@MODELS.register_module()
class MultiscaleFusionNeck(nn.Module):
    """The 1/8 features of the segmentation network, one or several
    scales.

    Always: a ``kernel_size`` x ``kernel_size``
    :class:`~mmdefect.models.layers.SegDecConv` on the deepest stage to
    ``channels`` (SegDecNet's 15x15 conv; MFFPA Sec. 3.1).  With ``fusion``
    (MFFPA's MFF, Sec. 3.1, Fig. 4): every stage is
    average-pooled to the deepest stage's size and the stages are
    concatenated (64 + 64 + 128 = 256 channels), :class:`OutlookAttention`
    mixes them, and its output comes first in the concatenation with the
    large-kernel features (256 + 256 = 512).  Returns a
    one-element list.

    The four rows of MFFPA's Table 9: baseline SegDecNet
    (no fusion, 64 -> 1024), MFF (fusion, 128 -> 256), PA (no fusion,
    64 -> 512), MFFPA (fusion, 128 -> 256).

    Args:
        in_channels (Sequence[int]): Channels of the backbone's stages,
            fine to coarse.
        channels (int): Output channels of the large-kernel conv.
        kernel_size (int): Its kernel.  Defaults to 15.
        fusion (bool): Add the MFF branch.  Defaults to True.
        num_heads (int), attention_kernel (int), residual (bool): Of the
            outlook attention.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 64, 128),
                 channels: int = 256,
                 kernel_size: int = 15,
                 fusion: bool = True,
                 num_heads: int = 4,
                 attention_kernel: int = 3,
                 residual: bool = False) -> None:
        super().__init__()
        self.large_kernel = SegDecConv(in_channels[-1], channels, kernel_size)
        self.fusion = OutlookAttention(
            sum(in_channels), num_heads, attention_kernel,
            residual) if fusion else None
        self.out_channels = channels + (sum(in_channels) if fusion else 0)

    def forward(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        deepest = inputs[-1]
        features = self.large_kernel(deepest)
        if self.fusion is None:
            return [features]
        pooled = []
        for x in inputs:
            factor = x.shape[2] // deepest.shape[2]
            if x.shape[2:] != tuple(s * factor for s in deepest.shape[2:]):
                raise ValueError(f'stage of size {tuple(x.shape[2:])} is not '
                                 'a multiple of the deepest stage, '
                                 f'{tuple(deepest.shape[2:])}')
            pooled.append(F.avg_pool2d(x, factor) if factor > 1 else x)
        fused = self.fusion(torch.cat(pooled, dim=1))
        return [torch.cat([fused, features], dim=1)]

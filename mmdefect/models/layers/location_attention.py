"""LSA-Net's location attention module (LAM)."""
from typing import Tuple

import torch.nn as nn
from mmseg.utils import ConfigType
from torch import Tensor

from .vgg_block import vgg_block


class LocationAttention(nn.Module):
    """Location attention from grouped strip pooling (LSA-Net Sec. 3.2,
    Eq. 1, Figs. 5-7).

    The input (LSA-Net: the pooled first level concatenated with the second,
    96 channels at 1/2 resolution) is fused by a VGG block and split into
    ``groups`` 1x1 projections of ``in_channels / groups`` channels (one
    bias-free 1x1 convolution whose output channels are the groups, the
    same weights as separate convolutions).  Each channel is max-pooled
    along whole rows and whole columns; the two strips are combined

    * ``fusion='mul'``: by their outer product ``Y[c, h, w] = R[c, h] *
      C[c, w]`` (the paper's "matrix multiplication", Eq. 1; default), so a
      single blob becomes its bounding rectangle;
    * ``fusion='add'``: by their broadcast sum (the authors' code).

    A second VGG block maps the groups' maps to ``out_channels`` (added to
    the encoder level by the backbone).  The location logit at the input
    resolution comes from

    * ``loc_from='output'``: a 1x1 convolution of the module's output (Sec.
      3.5; default);
    * ``loc_from='groups_sum'``: a bias-free 1x1 convolution of the sum of
      the group maps (the authors' code; 53 parameters fewer).

    Args:
        in_channels (int): Input channels (96 in LSA-Net).
        out_channels (int): Output channels (64).
        groups (int): Number of groups n (8).
        fusion (str): ``'mul'`` or ``'add'``.
        loc_from (str): ``'output'`` or ``'groups_sum'``.
        norm_cfg (dict): Norm layer of the VGG blocks.
    """

    def __init__(
        self,
        in_channels: int = 96,
        out_channels: int = 64,
        groups: int = 8,
        fusion: str = 'mul',
        loc_from: str = 'output',
        norm_cfg: ConfigType = dict(type='BN', requires_grad=True)
    ) -> None:
        super().__init__()
        if in_channels % groups:
            raise ValueError(f'{in_channels} channels do not split into '
                             f'{groups} groups')
        if fusion not in ('mul', 'add'):
            raise ValueError(f"fusion must be 'mul' or 'add', got {fusion!r}")
        if loc_from not in ('output', 'groups_sum'):
            raise ValueError("loc_from must be 'output' or 'groups_sum', got "
                             f'{loc_from!r}')
        self.groups = groups
        self.fusion = fusion
        self.loc_from = loc_from
        self.fuse = vgg_block(
            in_channels, in_channels, in_channels, norm_cfg=norm_cfg)
        self.project = nn.Conv2d(in_channels, in_channels, 1, bias=False)
        self.out = vgg_block(
            in_channels, out_channels, out_channels, norm_cfg=norm_cfg)
        if loc_from == 'output':
            self.loc = nn.Conv2d(out_channels, 1, 1)
        else:
            self.loc = nn.Conv2d(in_channels // groups, 1, 1, bias=False)

    def strip_pool(self, x: Tensor) -> Tensor:
        """Each channel's row and column max-projections, combined by
        ``fusion``: (N, C, H, W) -> (N, C, H, W)."""
        rows = x.amax(dim=3, keepdim=True)  # (N, C, H, 1)
        cols = x.amax(dim=2, keepdim=True)  # (N, C, 1, W)
        return rows * cols if self.fusion == 'mul' else rows + cols

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """(N, C_in, H, W) -> output (N, C_out, H, W), location logit (N, 1,
        H, W)."""
        y = self.strip_pool(self.project(self.fuse(x)))
        out = self.out(y)
        if self.loc_from == 'output':
            return out, self.loc(out)
        n, c, h, w = y.shape
        summed = y.view(n, self.groups, c // self.groups, h, w).sum(1)
        return out, self.loc(summed)

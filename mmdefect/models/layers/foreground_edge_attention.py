"""Foreground edge attention mechanism (FEAM) of BANet (Sec. III-D)."""
from typing import List, Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor


class RefinementResidualBlock(BaseModule):
    """DFN's refinement residual block (Yu et al., CVPR 2018, Fig. 2):
    a 1x1 conv to ``channels``, then ``relu(u + conv3x3(relu(bn(
    conv3x3(u)))))``."""

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.branch = nn.Sequential(
            ConvModule(channels, channels, 3, padding=1, norm_cfg=norm_cfg),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        u = self.reduce(x)
        return F.relu(u + self.branch(u))


class ForegroundEdgeAttention(BaseModule):
    """The stage-wise border network of BANet's FEAM.

    BANet (Sec. III-D) describes FEAM after DFN's border network: edge
    information from low-level features refined stage-wise by the semantics
    of higher levels, learnt "under explicit semantic boundary supervision"
    (Canny edges of the mask, BCE, Eq. 6).  Its Fig. 3 is lost; this
    reading applies it to the *differences* of the Siamese
    features at strides 4-32 (the foreground is the defect, which only the
    comparison reveals), top-down:

    * ``b5 = relu(bn(conv1x1(d5)))`` to ``channels[-1]``;
    * for the finer levels ``b_l = RRB(d_l) + up2(conv1x1(b_{l+1}))``
      (the 1x1 conv only where the widths differ);
    * the edge logits ``E = conv1x1(relu(bn(conv3x3(b2))))``, (N, 1, H/4,
      W/4).

    ``channels=(64, 128, 256, 256)`` comes close to Table II's count (FEAM
    adds 1.81 M).

    Args:
        in_channels (Sequence[int]): Channels of d2..d5.
        channels (Sequence[int]): Widths of b2..b5.
        norm_cfg (dict): Norm config.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 128, 256, 512),
                 channels: Sequence[int] = (64, 128, 256, 256),
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(channels):
            raise ValueError('in_channels and channels need one entry per '
                             'level')
        self.top = ConvModule(
            in_channels[-1], channels[-1], 1, norm_cfg=norm_cfg)
        self.rrbs = nn.ModuleList(
            RefinementResidualBlock(c_in, c, norm_cfg)
            for c_in, c in zip(in_channels[:-1], channels[:-1]))
        self.lateral = nn.ModuleList(
            nn.Identity() if above ==
            c else nn.Conv2d(above, c, 1, bias=False)
            for c, above in zip(channels[:-1], channels[1:]))
        self.edge = nn.Sequential(
            ConvModule(
                channels[0], channels[0], 3, padding=1, norm_cfg=norm_cfg),
            nn.Conv2d(channels[0], 1, 1))

    def forward(self, diffs: List[Tensor]) -> Tensor:
        """Edge logits (N, 1, h2, w2) from the differences d2..d5."""
        x = self.top(diffs[-1])
        for level in range(len(diffs) - 2, -1, -1):
            up = F.interpolate(
                self.lateral[level](x),
                size=diffs[level].shape[2:],
                mode='bilinear',
                align_corners=False)
            x = self.rrbs[level](diffs[level]) + up
        return self.edge(x)

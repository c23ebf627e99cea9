"""Pyramid attention, the decision features of MFFPA (Sec. 3.2)."""
import torch
from mmpretrain.models.utils import SELayer
from mmseg.registry import MODELS
from torch import Tensor, nn

from .coord_attention import CoordAttention
from .segdec_conv import SegDecConv


@MODELS.register_module()
class PyramidAttention(nn.Module):
    """Multi-kernel branches weighted by a softmax over the branches.

    MFFPA (Sec. 3.2, Fig. 5) reads the 513-channel decision input (the 512
    segmentation features and the mask logit) as follows (the sizes are the
    only ones matching Table 9's parameter count):

    1. 2x2 max-pool, then a 1x1 :class:`SegDecConv` to ``channels`` (256);
    2. one conv (no bias) per kernel size 3/5/7/9, ``channels`` ->
       ``channels / 4`` (64) each, groups 1 (EPSANet's grouped convs would
       fall far short of Table 9's count);
    3. one attention module, shared by the four branches as in EPSANet,
       gives each branch a weight: coordinate attention (``a_h * a_w``,
       C x H x W; the paper's choice) or squeeze-excitation (C x 1 x 1,
       Tables 7/8's "SE" row; EPSANet's squeeze width 4);
    4. the weights are softmax-normalised across the branches, for every
       channel and pixel, and weight their branch; the branches are
       concatenated;
    5. a 1x1 :class:`SegDecConv` to ``out_channels`` (32).

    Args:
        in_channels (int): Input channels (features + mask logit).
        channels (int): Channels after the reduction; split evenly among
            the branches.  Defaults to 256.
        kernel_sizes (tuple[int]): One branch per kernel size.
        out_channels (int): Output channels.  Defaults to 32.
        attention (str): ``'coord'`` or ``'se'``.  Defaults to 'coord'.
    """

    attentions = ('coord', 'se')

    def __init__(self,
                 in_channels: int,
                 channels: int = 256,
                 kernel_sizes: tuple = (3, 5, 7, 9),
                 out_channels: int = 32,
                 attention: str = 'coord') -> None:
        super().__init__()
        if attention not in self.attentions:
            raise ValueError(f'attention must be one of {self.attentions}, '
                             f'got {attention!r}')
        if channels % len(kernel_sizes):
            raise ValueError(f'channels ({channels}) must split evenly among '
                             f'{len(kernel_sizes)} branches')
        branch = channels // len(kernel_sizes)
        self.out_channels = out_channels
        self.pool = nn.MaxPool2d(2)
        self.reduce = SegDecConv(in_channels, channels, 1)
        self.branches = nn.ModuleList(
            nn.Conv2d(channels, branch, k, padding=k // 2, bias=False)
            for k in kernel_sizes)
        if attention == 'coord':
            self.attention = CoordAttention(
                branch, ratio=32, bias=True, return_weight=True)
        else:
            self.attention = SELayer(
                branch, squeeze_channels=4, return_weight=True)
        self.fuse = SegDecConv(channels, out_channels, 1)

    def branch_weights(self, branches: list) -> Tensor:
        """Softmax over the branches of the attention weights,
        (branches, N, C, H, W); sums to 1 along the first axis."""
        weights = torch.stack([self.attention(b) for b in branches])
        return weights.expand(-1, -1, -1, *branches[0].shape[2:]).softmax(0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.reduce(self.pool(x))
        branches = [conv(x) for conv in self.branches]
        weights = self.branch_weights(branches)
        return self.fuse(
            torch.cat([b * w for b, w in zip(branches, weights)], dim=1))

"""LSA-Net's fine extraction module (FEM)."""
import torch
import torch.nn as nn
from torch import Tensor


class FineExtraction(nn.Module):
    """Two dilated convolutions merged by a 1x1 convolution (LSA-Net Sec.
    3.4, Fig. 11).

    3x3 convolutions with dilation 2 and 4 (bias, no BN or activation, as in
    the authors' code) run on the deepest encoder level; a 1x1 convolution
    merges ``[d4, d2]`` and, with ``concat_input`` (default), the input
    itself.  The paper names only the two dilated outputs, but only the
    code's three-way concatenation reproduces Table 6's parameter count.

    Args:
        channels (int): Channels in and out (512).
        concat_input (bool): Concatenate the input too.
    """

    def __init__(self, channels: int = 512, concat_input: bool = True) -> None:
        super().__init__()
        self.dilated2 = nn.Conv2d(channels, channels, 3, padding=2, dilation=2)
        self.dilated4 = nn.Conv2d(channels, channels, 3, padding=4, dilation=4)
        self.concat_input = concat_input
        self.merge = nn.Conv2d((3 if concat_input else 2) * channels, channels,
                               1)

    def forward(self, x: Tensor) -> Tensor:
        parts = [self.dilated4(x), self.dilated2(x)]
        if self.concat_input:
            parts.append(x)
        return self.merge(torch.cat(parts, dim=1))

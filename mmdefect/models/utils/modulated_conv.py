"""A 1x1 convolution of channel-modulated features, folded into its kernel."""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


class ModulatedPointwiseConv(nn.Conv2d):
    """``conv((x + tile(t)) * w * g)`` for a 1x1 convolution, without
    building the modulated input.

    A 1x1 convolution is linear, so per-sample channel weights ``w`` fold
    into its kernel, ``K (w * x) = (K diag(w)) x``, and a term ``t`` tiled
    over the ``L`` channel blocks of the input folds into the sum of the
    kernel's ``L`` blocks, ``K tile(t) = (sum_l K_l) t``: two batched
    matrix products on the un-modulated features.  A per-pixel gate ``g``
    commutes with the product and is applied before the bias.  CADNet's
    change-aware decoder (paper Eq. 11-14) modulates a 4C = 1024-channel
    tensor at 1/4 scale before its fusion convolution; folding removes that
    element-wise pass and its memory.

    Being an ``nn.Conv2d``, the module is counted by module-hook FLOP
    counters as the convolution of the architecture, and it is called with
    only ``x`` it is that plain convolution.  Its parameters are those of
    ``nn.Conv2d`` (checkpoints of the unfolded layer load unchanged).

    Args:
        *args, **kwargs: :class:`nn.Conv2d` arguments; ``kernel_size`` must
            be 1 and ``groups`` 1.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.kernel_size != (1, 1) or self.groups != 1:
            raise ValueError('ModulatedPointwiseConv folds the modulation '
                             'into a 1x1, groups=1 kernel; got kernel '
                             f'{self.kernel_size}, groups {self.groups}')

    def forward(self,
                x: Tensor,
                weights: Optional[Tensor] = None,
                tiled: Optional[Tensor] = None,
                gate: Optional[Tensor] = None) -> Tensor:
        """Convolve ``(x + tile(tiled)) * weights * gate``.

        Args:
            x (Tensor): (N, C_in, H, W) features.
            weights (Tensor, optional): (N, C_in, 1, 1) channel weights.
            tiled (Tensor, optional): (N, C_in / L, H, W), added to each of
                the ``L`` channel blocks of ``x``.
            gate (Tensor, optional): (N, 1, H, W) per-pixel factor.
        """
        if weights is None and tiled is None and gate is None:
            return super().forward(x)
        n, c_in, h, w = x.shape
        kernel = self.weight.flatten(1).unsqueeze(0)  # (1, C_out, C_in)
        if weights is not None:
            kernel = kernel * weights.flatten(1).unsqueeze(1)
        kernel = kernel.expand(n, -1, -1)
        out = torch.bmm(kernel, x.flatten(2))  # (N, C_out, HW)
        if tiled is not None:
            block = tiled.shape[1]
            if c_in % block:
                raise ValueError(f'a {block}-channel term cannot tile '
                                 f'{c_in} input channels')
            blocks = kernel.reshape(n, self.out_channels, -1, block).sum(2)
            out = out + torch.bmm(blocks, tiled.flatten(2))
        out = out.view(n, self.out_channels, h, w)
        if gate is not None:
            out = out * gate
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out

"""LSA-Net's shape detection module (SDM): strip and pyramid pooling
branches."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.utils import ConfigType
from torch import Tensor

from .vgg_block import vgg_block


class ShapeDetection(nn.Module):
    """Receptive fields for long and for compact defects (LSA-Net Sec. 3.3,
    Tables 2-3, Fig. 8).

    * **LSPM** (strip pooling, ``V2``): a ``1x3`` VGG block followed by a
      max-pool over half rows (kernel ``(1, W/2)``), and a ``3x1`` block
      followed by a max-pool over half columns (``(H/2, 1)``), each pooled
      map spread back by nearest upsampling; their sum passes a final ``1x3``
      VGG block.  ``lspm_pool='full'`` pools whole rows and columns (Table
      9's other row).  The final block is ``1x3`` as in the authors' code:
      Table 3's 3x3 block would exceed Table 6's parameter count.
    * **SPPM** (pyramid pooling, ``V1``): a VGG block, average pools of 5
      and 3 (stride = kernel, spread back by nearest upsampling),
      concatenation, a bias-free 1x1 convolution, and the same VGG block
      again (``share_sppm_block=True``, the authors' code and Table 6's
      count; False builds a second block).
    * Fusion: a VGG block on ``[V2, V1]`` gives the module's output, added to
      the encoder level by the backbone.  ``V1`` and ``V2`` are also returned
      for the feature-difference loss (Eq. 3).

    With ``shape_logits`` a bias-free 1x1 convolution on each of ``V1`` and
    ``V2`` gives the shape logits of Table 7's shape-loss variant (Fig. 15).

    Args:
        in_channels (int): Input channels C1 (384 in LSA-Net).
        out_channels (int): Output channels (256).
        lspm_pool (str): ``'half'`` (default) or ``'full'`` strips.
        share_sppm_block (bool): One VGG block for both SPPM uses.
        shape_logits (bool): Also return the two shape logits.
        norm_cfg (dict): Norm layer of the VGG blocks.
    """

    def __init__(
        self,
        in_channels: int = 384,
        out_channels: int = 256,
        lspm_pool: str = 'half',
        share_sppm_block: bool = True,
        shape_logits: bool = False,
        norm_cfg: ConfigType = dict(type='BN')
    ) -> None:
        super().__init__()
        if lspm_pool not in ('half', 'full'):
            raise ValueError("lspm_pool must be 'half' or 'full', got "
                             f'{lspm_pool!r}')
        c = in_channels
        self.lspm_pool = lspm_pool
        self.row = vgg_block(c, c, c, (1, 3), norm_cfg)
        self.col = vgg_block(c, c, c, (3, 1), norm_cfg)
        self.lspm_out = vgg_block(c, c, c, (1, 3), norm_cfg)
        self.sppm_in = vgg_block(c, c, c, 3, norm_cfg)
        self.sppm_out = self.sppm_in if share_sppm_block else vgg_block(
            c, c, c, 3, norm_cfg)
        self.sppm_reduce = nn.Conv2d(2 * c, c, 1, bias=False)
        self.fuse = vgg_block(2 * c, out_channels, out_channels, 3, norm_cfg)
        self.shape_logits = shape_logits
        if shape_logits:
            self.sppm_logit = nn.Conv2d(c, 1, 1, bias=False)
            self.lspm_logit = nn.Conv2d(c, 1, 1, bias=False)

    def strip_max(self, x: Tensor, dim: int) -> Tensor:
        """Max over whole or half rows (``dim=3``) or columns (``dim=2``),
        spread back over the strip it came from.

        A reduction over the strips rather than a max-pool whose kernel is
        the feature size, so that an exported graph (ONNX) keeps the input
        size dynamic."""
        parts = 1 if self.lspm_pool == 'full' else 2
        if x.shape[dim] % parts:
            raise ValueError('LSPM half strips need an even feature size, '
                             f'got {tuple(x.shape[2:])}')
        strips = x.unflatten(dim, (parts, -1))
        return strips.amax(
            dim + 1, keepdim=True).expand_as(strips).flatten(dim, dim + 1)

    def _strips(self, x: Tensor) -> Tensor:
        """LSPM, ``V2``."""
        spread = self.strip_max(self.row(x), 3) + self.strip_max(
            self.col(x), 2)
        return self.lspm_out(spread)

    def _pyramid(self, x: Tensor) -> Tensor:
        """SPPM, ``V1``."""
        t = self.sppm_in(x)
        size = t.shape[2:]
        pooled = [F.interpolate(F.avg_pool2d(t, k), size=size) for k in (5, 3)]
        return self.sppm_out(self.sppm_reduce(torch.cat(pooled, dim=1)))

    def forward(
        self, x: Tensor
    ) -> Tuple[Tensor, Tensor, Tensor, Optional[Tuple[Tensor, Tensor]]]:
        """(N, C1, H, W) -> output (N, C_out, H, W), ``V1``, ``V2`` (N, C1,
        H, W), and the shape logits (``V1``'s, ``V2``'s; (N, 1, H, W)) or
        None."""
        v2 = self._strips(x)
        v1 = self._pyramid(x)
        out = self.fuse(torch.cat([v2, v1], dim=1))
        logits = (self.sppm_logit(v1),
                  self.lspm_logit(v2)) if self.shape_logits else None
        return out, v1, v2, logits

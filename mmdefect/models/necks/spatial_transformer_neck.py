"""BANet's neck: re-alignment, differences and foreground edge attention."""
from typing import Optional, Sequence

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..layers import ForegroundEdgeAttention, SpatialTransformer
from ..utils import FeatureList


@MODELS.register_module()
class SpatialTransformerNeck(BaseModule):
    """Align the template's pyramid to the sample's, subtract, attend.

    BANet (Niu et al., IECON 2023), Sec. III-C to III-E, Fig. 2:

    1. STM (optional, :class:`~mmdefect.models.layers.SpatialTransformer`):
       one affine ``theta`` per pair from the deepest features of both
       images, applied to the template features of *every* level (checklist
       ST4; normalised coordinates make one theta fit all resolutions);
    2. differences ``D_l = F_sample,l - warp(F_template,l)``;
    3. FEAM (optional, :class:`~mmdefect.models.layers.
       ForegroundEdgeAttention`) on D_2..D_5 gives edge logits E at the
       stride of D_2, and, with ``edge_attention``, every difference is
       gated as ``D_l * (1 + sigmoid(E))`` (resized; the residual gating
       never zeroes a feature, checklist F5).  Without it FEAM is a pure
       DFN auxiliary branch (supervised, nothing fed back).

    Outputs: ``[D_1, ..., D_L]`` and, with FEAM, the edge logits named
    ``'edge_map'`` (supervise them with a ``MapLossHead`` against
    ``gt_edge_map``).  Table II's rows switch ``stm`` and ``feam``.  The last
    ``theta`` is kept in ``last_theta`` (detached) for diagnostics
    (``PoseErrorHook``).

    Args:
        in_channels (Sequence[int]): Channels of the encoder levels.
        stm (dict, optional): :class:`SpatialTransformer` arguments (its
            ``in_channels`` is the deepest level's); None: no re-alignment.
        feam (dict, optional): :class:`ForegroundEdgeAttention` arguments
            (it reads levels 2..L); None: no FEAM.
        edge_attention (bool): Gate the differences with the edge map.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 64, 128, 256, 512),
                 stm: Optional[dict] = dict(),
                 feam: Optional[dict] = dict(),
                 edge_attention: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stm = (None if stm is None else SpatialTransformer(
            in_channels=in_channels[-1], **stm))
        self.feam = (None if feam is None else ForegroundEdgeAttention(
            in_channels=tuple(in_channels[1:]), **feam))
        if edge_attention and self.feam is None:
            raise ValueError('edge_attention needs FEAM (feam=dict(...))')
        self.edge_attention = edge_attention
        self.last_theta = None

    def forward(self, sample_feats: Sequence[Tensor],
                template_feats: Sequence[Tensor]) -> FeatureList:
        if self.stm is not None:
            theta = self.stm(sample_feats[-1], template_feats[-1])
            template_feats = [self.stm.warp(t, theta) for t in template_feats]
            self.last_theta = theta.detach()
        diffs = [s - t for s, t in zip(sample_feats, template_feats)]
        if self.feam is None:
            return FeatureList(diffs, {})
        edge = self.feam(diffs[1:])  # (N, 1, H/4, W/4)
        if self.edge_attention:
            gate = edge.sigmoid()
            diffs = [
                d * (1 + F.interpolate(
                    gate,
                    size=d.shape[2:],
                    mode='bilinear',
                    align_corners=False)) for d in diffs
            ]
        return FeatureList(diffs + [edge], dict(edge_map=len(diffs)))

"""BANet's neck: re-alignment, differences and foreground edge attention."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..layers import (ForegroundEdgeAttention, SpatialTransformer,
                      displacement_field)
from ..utils import FeatureList, HeatMapExporter


@MODELS.register_module()
class SpatialTransformerNeck(BaseModule, HeatMapExporter):
    """Align the template's pyramid to the sample's, subtract, attend.

    BANet (Niu et al., IECON 2023), Sec. III-C to III-E, Fig. 2:

    1. STM (optional, :class:`~mmdefect.models.layers.SpatialTransformer`):
       one affine ``theta`` per pair from the deepest features of both
       images, applied to the template features of *every* level
       (normalised coordinates make one theta fit all resolutions);
    2. differences ``D_l = F_sample,l - warp(F_template,l)``;
    3. FEAM (optional, :class:`~mmdefect.models.layers.
       ForegroundEdgeAttention`) on D_2..D_5 gives edge logits E at the
       stride of D_2, and, with ``edge_attention``, every difference is
       gated as ``D_l * (1 + sigmoid(E))`` (resized; the residual gating
       never zeroes a feature).  Without it FEAM is a pure DFN auxiliary
       branch (supervised, nothing fed back).

    Outputs: ``[D_1, ..., D_L]``, then, with FEAM, the edge logits named
    ``'edge_map'`` (supervise them with a ``MapLossHead`` against
    ``gt_edge_map``) and, with the STM, its alignment field named
    ``'align_field'``: the displacement from each location of D_2 (the edge
    map's grid) to where the STM samples the template, (N, 2, h_2, w_2), x
    then y in pixels of that grid (:func:`~mmdefect.models.layers.
    displacement_field`).  Table II's rows switch ``stm`` and ``feam``.

    Heat maps: ``edge_map`` (sigmoid of the edge logits) and the field as
    ``align_dx_map`` and ``align_dy_map``, which reach the data samples in
    pixels of the original image (``PoseErrorHook`` compares them with the
    recorded pose).  The STM's transform is exported as this field rather
    than as ``theta`` because ``theta`` lives in the normalised coordinates
    of the network's input: under slide inference each window's ``theta``
    refers to a window whose position the model does not know, and the
    windows' values cannot be combined.  A pixel's displacement is the same
    quantity whichever window sees it, so overlapping windows average like
    logits, and the flip and resize of test-time augmentation are undone on
    it like on any map (the segmentor negates and scales displacements).

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
        self.map_names = (('edge_map', ) if self.feam is not None else ()) + (
            ('align_dx_map', 'align_dy_map') if self.stm is not None else ())

    @property
    def map_kinds(self) -> Tuple[str, ...]:
        return (('value', ) if self.feam is not None else
                ()) + (('dx', 'dy') if self.stm is not None else ())

    def forward(self, sample_feats: Sequence[Tensor],
                template_feats: Sequence[Tensor]) -> FeatureList:
        extras = {}
        if self.stm is not None:
            theta = self.stm(sample_feats[-1], template_feats[-1])
            template_feats = [self.stm.warp(t, theta) for t in template_feats]
            extras['align_field'] = displacement_field(
                theta, sample_feats[1].shape[2:])
        diffs = [s - t for s, t in zip(sample_feats, template_feats)]
        if self.feam is not None:
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
            extras = dict(edge_map=edge, **extras)
        return FeatureList(diffs + list(extras.values()), {
            name: len(diffs) + i
            for i, name in enumerate(extras)
        })

    def predict_maps(self, feats: FeatureList) -> Tensor:
        """Edge probability and alignment field, as enabled, (N, K, h_2,
        w_2)."""
        maps = ([feats['edge_map'].sigmoid()] if self.feam is not None else
                []) + ([feats['align_field']] if self.stm is not None else [])
        return torch.cat(maps, dim=1)

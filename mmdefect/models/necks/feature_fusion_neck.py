"""Fusion of the sample and template feature pyramids of a Siamese encoder."""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import FeatureList, HeatMapExporter


def distance_map(sample_feats: Sequence[Tensor],
                 template_feats: Sequence[Tensor]) -> Tensor:
    """CADNet DistMap (Liu et al., Eq. 7).

    Per-pixel L2 distance between the concatenated multi-level features of the
    two branches, every level resized (bilinear) to the first level's size.
    Bilinear resizing is linear, so resizing the per-level differences gives
    the same result as resizing the features first, with half the work.

    Returns:
        Tensor: (N, 1, H1, W1) with (H1, W1) the first level's size.
    """
    size = sample_feats[0].shape[2:]
    squared = 0
    for f_ng, f_ok in zip(sample_feats, template_feats):
        diff = f_ng - f_ok
        if diff.shape[2:] != size:
            diff = F.interpolate(
                diff, size=size, mode='bilinear', align_corners=False)
        squared = squared + diff.pow(2).sum(dim=1, keepdim=True)
    # The epsilon keeps the gradient of sqrt finite where the features agree.
    return torch.sqrt(squared + 1e-12)


@MODELS.register_module()
class FeatureFusionNeck(BaseModule, HeatMapExporter):
    """Fuse sample and template features level by level.

    Args:
        policy (str): ``'diff'`` (sample - template, CADNet's multi-stage
            subtraction), ``'abs_diff'``, ``'concat'`` (channels double) or
            ``'sum'``.
        distance_map (bool): Append CADNet's DistMap (Eq. 7), shape
            (N, 1, H/4, W/4) for a stride-4 first level, as the last output,
            named ``'distance_map'``; it is also the heat map
            ``distance_map`` of the predictions.
        out_indices (Sequence[int], optional): Levels to output; all by
            default.
    """

    policies = ('diff', 'abs_diff', 'concat', 'sum')

    def __init__(self,
                 policy: str = 'diff',
                 distance_map: bool = False,
                 out_indices: Sequence[int] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if policy not in self.policies:
            raise ValueError(
                f'FeatureFusionNeck policy must be one of {self.policies}, '
                f'got {policy!r}')
        self.policy = policy
        self.with_distance_map = distance_map
        self.map_names = ('distance_map', ) if distance_map else ()
        self.out_indices = out_indices

    def fuse(self, f_ng: Tensor, f_ok: Tensor) -> Tensor:
        if self.policy == 'diff':
            return f_ng - f_ok
        if self.policy == 'abs_diff':
            return (f_ng - f_ok).abs()
        if self.policy == 'concat':
            return torch.cat([f_ng, f_ok], dim=1)
        return f_ng + f_ok

    def forward(self, sample_feats: Sequence[Tensor],
                template_feats: Sequence[Tensor]) -> FeatureList:
        indices = (
            range(len(sample_feats))
            if self.out_indices is None else self.out_indices)
        outs = [self.fuse(sample_feats[i], template_feats[i]) for i in indices]
        names = {}
        if self.with_distance_map:
            names['distance_map'] = len(outs)
            outs.append(distance_map(sample_feats, template_feats))
        return FeatureList(outs, names)

    def predict_maps(self, feats: Sequence[Tensor]) -> Tensor:
        """The DistMap, (N, 1, h, w)."""
        return feats['distance_map']

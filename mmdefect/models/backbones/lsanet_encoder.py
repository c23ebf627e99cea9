"""LSA-Net's encoder: a VGG-block U-Net encoder with location attention,
shape detection and fine extraction."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType
from torch import Tensor

from ..layers import (FineExtraction, LocationAttention, ShapeDetection,
                      vgg_block)
from ..utils import FeatureList, HeatMapExporter


@MODELS.register_module()
class LSANetEncoder(BaseModule, HeatMapExporter):
    """Encoder of LSA-Net (Li et al., J. Manufacturing Processes; Table 1,
    Fig. 4), single image.

    Five VGG blocks (widths 32-512, 2x2 max-pool between levels) with three
    modules:

    * **LAM** (:class:`~mmdefect.models.layers.LocationAttention`) on the
      pooled first level concatenated with the second; its output is added
      to the second level before it is pooled into the third, and its
      location logit (1/2 resolution) is an output;
    * **SDM** (:class:`~mmdefect.models.layers.ShapeDetection`) on the
      fourth level concatenated with the pooled third; its output is added to
      the fourth level before it is pooled into the fifth; its SPPM and LSPM
      features (``V1``, ``V2``, 1/8 resolution) are outputs for the
      feature-difference loss (Eq. 3);
    * **FEM** (:class:`~mmdefect.models.layers.FineExtraction`) on the fifth
      level.

    The decoder's skips are the unmodified levels ``x0``-``x3`` (as in the
    authors' code), then the FEM output.  Returns a
    :class:`~mmdefect.models.utils.FeatureList`: ``[x0, x1, x2, x3, z]`` at
    strides 1-16, followed by the named outputs of the enabled modules:
    ``'location_logit'`` (LAM), ``'sppm_feature'`` and ``'lspm_feature'``
    (SDM), ``'sppm_shape_logit'`` and ``'lspm_shape_logit'`` (SDM with
    ``shape_logits``).  The location logit's sigmoid is also the heat map
    ``location_map`` of the predictions.

    The ``use_*`` switches are Table 8's ablation: a disabled module and its
    residual addition disappear.  Inputs must be divisible by 16.

    Args:
        in_channels (int): Image channels (3; grey images are read as 3).
        widths (tuple[int]): Channels of the five levels.
        use_lam, use_sdm, use_fem (bool): Table 8's modules.
        lam (dict): Options of ``LocationAttention`` (``groups``, ``fusion``,
            ``loc_from``).
        sdm (dict): Options of ``ShapeDetection`` (``lspm_pool``,
            ``share_sppm_block``, ``shape_logits``).
        fem (dict): Options of ``FineExtraction`` (``concat_input``).
        norm_cfg (dict): Norm layer.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 widths=(32, 64, 128, 256, 512),
                 use_lam: bool = True,
                 use_sdm: bool = True,
                 use_fem: bool = True,
                 lam: Optional[dict] = None,
                 sdm: Optional[dict] = None,
                 fem: Optional[dict] = None,
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(widths) != 5:
            raise ValueError(f'LSA-Net has five levels, got widths {widths}')
        w = list(widths)
        ins = [in_channels] + w[:-1]
        self.levels = torch.nn.ModuleList(
            vgg_block(i, o, o, norm_cfg=norm_cfg) for i, o in zip(ins, w))
        self.lam = LocationAttention(
            w[0] +
            w[1], w[1], norm_cfg=norm_cfg, **(lam or {})) if use_lam else None
        self.sdm = ShapeDetection(
            w[3] +
            w[2], w[3], norm_cfg=norm_cfg, **(sdm or {})) if use_sdm else None
        self.fem = FineExtraction(w[4], **(fem or {})) if use_fem else None
        self.map_names = ('location_map', ) if use_lam else ()

    def forward(self, img: Tensor) -> FeatureList:
        if img.shape[2] % 16 or img.shape[3] % 16:
            raise ValueError('LSANetEncoder needs inputs divisible by 16, '
                             f'got {tuple(img.shape[2:])}')
        extra, names = [], {}

        def named(name: str, value: Tensor) -> None:
            names[name] = 5 + len(extra)
            extra.append(value)

        x0 = self.levels[0](img)
        x1 = self.levels[1](F.max_pool2d(x0, 2))
        to_x2 = x1
        if self.lam is not None:
            y, loc = self.lam(torch.cat([F.max_pool2d(x0, 2), x1], dim=1))
            to_x2 = x1 + y
            named('location_logit', loc)
        x2 = self.levels[2](F.max_pool2d(to_x2, 2))
        x3 = self.levels[3](F.max_pool2d(x2, 2))
        to_x4 = x3
        if self.sdm is not None:
            y, v1, v2, logits = self.sdm(
                torch.cat([x3, F.max_pool2d(x2, 2)], dim=1))
            to_x4 = x3 + y
            named('sppm_feature', v1)
            named('lspm_feature', v2)
            if logits is not None:
                named('sppm_shape_logit', logits[0])
                named('lspm_shape_logit', logits[1])
        x4 = self.levels[4](F.max_pool2d(to_x4, 2))
        z = self.fem(x4) if self.fem is not None else x4
        return FeatureList([x0, x1, x2, x3, z] + extra, names)

    def predict_maps(self, feats: FeatureList) -> Tensor:
        """The LAM's location probability, (N, 1, H/2, W/2)."""
        return feats['location_logit'].sigmoid()

# Copyright (c) mmdefect contributors. All rights reserved.
"""Change-aware decoder (CAD) of CADNet (paper Sec. 3.2.2, Eq. 11-14)."""
from typing import List, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.models.utils import SELayer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from ..layers import CoordAttention
from ..utils import ModulatedPointwiseConv


@MODELS.register_module()
class ChangeAwareHead(BaseDecodeHead):
    """Change-aware decoder (CAD) of CADNet, paper Sec. 3.2.2.

    A SegFormer all-MLP decoder whose fused features are modulated by the
    DistMap (Eq. 7) of the Siamese encoder:

    1. each difference feature ``d_i = f_ng_i - f_ok_i`` is projected by a
       1x1 ConvModule to ``channels`` (C) and resized to the resolution of
       the first one (1/4), then concatenated: ``x`` (N, 4C, H/4, W/4);
    2. ``dist = sigmoid(DistMap.detach())`` (N, 1, H/4, W/4). Detaching, as
       the authors' code does, leaves the DistMap to the contrastive loss
       alone: the decoder reads the change prior but cannot reshape it to
       suit the cross-entropy;
    3. ``mode='intra'`` (known defect classes, Eq. 11-12): the attention is
       computed on the features plus the change prior,
       ``out = CA(x + dist) * (x + HW(sum_i x_i + dist))``
       with HW = coordinate attention (the HA and VA factors) on the sum of
       the four projected features, tiled 4 times over channels. This is the
       authors' code. Eq. 12 writes the bare product ``CA * HA * VA`` of the
       summed input; the code keeps ``x`` as a residual next to the HA/VA
       term and computes HA/VA once, on C channels rather than 4C;
       ``mode='out_of_class'`` (unseen defect classes, Eq. 13-14): the change
       prior gates the features multiplicatively,
       ``out = CA(x) * Norm(dist) * x``, where Norm is the per-sample
       min-max normalisation, so regions without change are suppressed
       whatever their appearance. As in the authors' code Norm acts on the
       sigmoid of the DistMap (Eq. 14 writes Norm(distMap)); both maps are
       monotonic in the distance, so the gate is 0 at the least and 1 at the
       most changed pixel either way;
    4. 1x1 fusion ConvModule 4C -> C, dropout and the classifier. The
       channel weights and the tiled HA/VA term are folded into the fusion
       kernel (:class:`ModulatedPointwiseConv`), so that no modulated
       (N, 4C, H/4, W/4) tensor is built: the same outputs, a faster
       training step (docs/benchmarks.md).

    Parameters: ``coord_ratio`` defaults to 4 because with C = 256 it is the
    reduction that reproduces the paper's model size (MiT-B0 + CAD, Tables
    3 and 7: 3.90 M, CAD adding 0.18 M to SegFormer's head); Hou et al.'s
    default reduction (32) falls short of it.  The out-of-class head has no
    coordinate attention.

    The channel attention CA is mmpretrain's squeeze-and-excitation
    ``SELayer`` (global average pool, 1x1 conv + ReLU to 4C/16, 1x1 conv +
    sigmoid) with ``return_weight=True``: CAD computes the weights from one
    tensor and applies them to another.

    Args:
        dist_index (int | str): The DistMap in the neck's outputs, by name
            or position. Defaults to 'distance_map'.
        mode (str): 'intra' (Eq. 11-12) or 'out_of_class' (Eq. 13-14).
        channel_ratio (int): Reduction of the channel attention (on 4C).
            Defaults to 16.
        coord_ratio (int): Reduction of the coordinate attention (on C).
            Defaults to 4. Unused in 'out_of_class' mode, which has no
            coordinate attention.
        interpolate_mode (str): Mode of the resizes. Defaults to 'bilinear'.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels``,
            ``in_index``, ``channels``, ``num_classes``, ...).
    """

    def __init__(self,
                 dist_index: Union[int, str] = 'distance_map',
                 mode: str = 'intra',
                 channel_ratio: int = 16,
                 coord_ratio: int = 4,
                 interpolate_mode: str = 'bilinear',
                 **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        if mode not in ('intra', 'out_of_class'):
            raise ValueError(
                f"mode must be 'intra' or 'out_of_class', got {mode!r}")
        self.dist_index = dist_index
        self.mode = mode
        self.interpolate_mode = interpolate_mode
        num_inputs = len(self.in_channels)
        assert num_inputs == len(self.in_index)

        self.convs = nn.ModuleList(
            ConvModule(
                in_channels,
                self.channels,
                1,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg) for in_channels in self.in_channels)
        self.channel_att = SELayer(
            self.channels * num_inputs,
            ratio=channel_ratio,
            return_weight=True)
        if mode == 'intra':
            # Built only where used, so that every parameter gets a gradient
            # (DDP without find_unused_parameters).
            self.coord_att = CoordAttention(
                self.channels, ratio=coord_ratio, norm_cfg=self.norm_cfg)
        self.fusion_conv = ConvModule(
            self.channels * num_inputs,
            self.channels,
            1,
            conv_cfg=dict(type=ModulatedPointwiseConv),
            norm_cfg=self.norm_cfg)

    @staticmethod
    def _min_max(x: Tensor, eps: float = 1e-6) -> Tensor:
        """Per-sample min-max normalisation of (N, 1, H, W) to [0, 1]; a
        constant map becomes 0."""
        flat = x.flatten(1)
        low = flat.min(dim=1)[0].view(-1, 1, 1, 1)
        high = flat.max(dim=1)[0].view(-1, 1, 1, 1)
        return (x - low) / (high - low + eps)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Forward on the neck's differences ``d1..d4`` and DistMap."""
        dist = inputs[self.dist_index]
        feats = self._transform_inputs(inputs)
        size = feats[0].shape[2:]
        projected = [
            resize(
                conv(x),
                size=size,
                mode=self.interpolate_mode,
                align_corners=self.align_corners)
            for conv, x in zip(self.convs, feats)
        ]
        x = torch.cat(projected, dim=1)  # (N, 4C, H/4, W/4)

        dist = dist.detach()
        if dist.shape[2:] != size:
            dist = resize(
                dist,
                size=size,
                mode=self.interpolate_mode,
                align_corners=self.align_corners)
        dist = dist.sigmoid()  # (N, 1, H/4, W/4)

        if self.mode == 'intra':
            hw = self.coord_att(sum(projected) + dist)  # (N, C, H/4, W/4)
            # CA(x + dist) needs only the spatial mean of x + dist, which is
            # mean(x) + mean(dist): no (N, 4C, H/4, W/4) sum is built.
            weights = self.channel_att(
                x.mean(dim=(2, 3), keepdim=True) +
                dist.mean(dim=(2, 3), keepdim=True))  # (N, 4C, 1, 1)
            out = self.fusion_conv.conv(x, weights, tiled=hw)
        else:
            weights = self.channel_att(x.mean(dim=(2, 3), keepdim=True))
            out = self.fusion_conv.conv(x, weights, gate=self._min_max(dist))
        return self.cls_seg(self._fusion_activation(out))

    def _fusion_activation(self, x: Tensor) -> Tensor:
        """The rest of the fusion ConvModule after its convolution: norm and
        activation (``cls_seg`` adds the dropout)."""
        module = self.fusion_conv
        if module.with_norm:
            x = module.norm(x)
        return module.activate(x) if module.with_activation else x

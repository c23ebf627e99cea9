# Copyright (c) mmdefect contributors. All rights reserved.
"""Auxiliary head supervising the DistMap of CADNet (paper Sec. 3.2.1)."""
from typing import Dict, List, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor


@MODELS.register_module()
class DistanceContrastHead(BaseModule):
    """Applies a contrastive loss to the feature-distance map (DistMap, Eq. 7).

    CADNet supervises the encoder through the DistMap with the balanced
    contrastive loss (Eq. 8-10, the BCL term of Eq. 16). The DistMap is
    computed by the fusion neck, so this head has no parameters: it picks
    the map from the neck's output list and applies the loss. Used as an
    ``auxiliary_head`` of the segmentor, its losses appear as
    ``aux.loss_bcl``. :meth:`predict` returns the DistMap itself, e.g. to
    visualise it (paper Fig. 7).

    Args:
        in_index (int): Index of the DistMap (N, 1, H/4, W/4) in the neck's
            output list. Defaults to 4.
        loss_contrast (dict | Sequence[dict]): Loss config(s), each called
            as ``loss(dist, label)`` and reported under its ``loss_name``.
            Defaults to ``dict(type='BalancedContrastiveLoss')``.
        align_corners (bool): ``align_corners`` of the resize in
            :meth:`predict`. Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    # Name of its map in inference results and visualisations.
    heat_map_name = 'distance'

    def __init__(self,
                 in_index: int = 4,
                 loss_contrast: Union[ConfigType, Sequence[ConfigType]] = dict(
                     type='BalancedContrastiveLoss'),
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        self.in_index = in_index
        self.align_corners = align_corners
        if isinstance(loss_contrast, dict):
            self.loss_contrast = MODELS.build(loss_contrast)
        elif isinstance(loss_contrast, (list, tuple)):
            self.loss_contrast = nn.ModuleList(
                MODELS.build(cfg) for cfg in loss_contrast)
        else:
            raise TypeError('loss_contrast must be a dict or a sequence of '
                            f'dicts, got {type(loss_contrast)}')

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Return the DistMap (N, 1, H/4, W/4) from the neck's outputs."""
        return inputs[self.in_index]

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Contrastive loss(es) of the DistMap against ``gt_sem_seg``."""
        dist = self.forward(inputs)
        seg_label = torch.stack([
            data_sample.gt_sem_seg.data for data_sample in batch_data_samples
        ]).squeeze(1)  # (N, H, W)
        loss_fns = (
            self.loss_contrast if isinstance(self.loss_contrast, nn.ModuleList)
            else [self.loss_contrast])
        losses = dict()
        for loss_fn in loss_fns:
            value = loss_fn(dist, seg_label)
            if loss_fn.loss_name in losses:
                losses[loss_fn.loss_name] = losses[loss_fn.loss_name] + value
            else:
                losses[loss_fn.loss_name] = value
        return losses

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """DistMap resized to the input size, as
        ``BaseDecodeHead.predict_by_feat`` resizes logits."""
        dist = self.forward(inputs)
        if isinstance(batch_img_metas[0]['img_shape'], torch.Size):
            # Slide inference passes the crop size as a torch.Size.
            size = batch_img_metas[0]['img_shape']
        elif 'pad_shape' in batch_img_metas[0]:
            size = batch_img_metas[0]['pad_shape'][:2]
        else:
            size = batch_img_metas[0]['img_shape']
        return resize(
            dist, size=size, mode='bilinear', align_corners=self.align_corners)

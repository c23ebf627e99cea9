"""U-Net style decoder over a multi-level feature pyramid."""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class UNetHead(BaseDecodeHead):
    """Top-down U-Net decoder (Ronneberger et al. 2015) for any pyramid.

    Starting from the coarsest level, each step upsamples x2 (bilinear),
    concatenates the next finer level (the skip connection) and applies two
    3x3 ConvModules.  Used by the early-fusion and Siamese-difference
    baselines and by papers whose decoders are U-Nets (BGNet, GWNet).

    Args:
        in_channels (Sequence[int]): Channels of the selected levels, fine to
            coarse (``input_transform='multiple_select'`` is implied).
        decoder_channels (Sequence[int], optional): Output channels of the
            decoder block at each level, fine to coarse.  Defaults to
            ``in_channels`` with the finest block emitting ``channels``.
        **kwargs: See :class:`mmseg.models.decode_heads.BaseDecodeHead`.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = None,
                 **kwargs) -> None:
        super().__init__(
            in_channels=list(in_channels),
            input_transform='multiple_select',
            **kwargs)
        levels = len(in_channels)
        if decoder_channels is None:
            decoder_channels = [self.channels] + list(in_channels[1:])
        if len(decoder_channels) != levels:
            raise ValueError('decoder_channels needs one entry per level')
        if decoder_channels[0] != self.channels:
            raise ValueError('the finest decoder block must emit `channels`')
        conv = dict(
            kernel_size=3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.blocks = nn.ModuleList()
        for level in range(levels):
            above = decoder_channels[level + 1] if level + 1 < levels else 0
            block_in = in_channels[level] + above
            self.blocks.append(
                nn.Sequential(
                    ConvModule(block_in, decoder_channels[level], **conv),
                    ConvModule(decoder_channels[level],
                               decoder_channels[level], **conv)))

    def forward(self, inputs: List[Tensor]) -> Tensor:
        feats = self._transform_inputs(inputs)
        x = self.blocks[-1](feats[-1])
        for level in range(len(feats) - 2, -1, -1):
            x = resize(
                x,
                size=feats[level].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
            x = self.blocks[level](torch.cat([feats[level], x], dim=1))
        return self.cls_seg(x)

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

    A block of ``num_convs`` 3x3 ConvModules runs on the coarsest level;
    then each step upsamples x2 (bilinear), concatenates the next finer
    level (the skip connection) and applies another block.  The logits come
    from the finest block (1x1 ``conv_seg``).  The decoder of the
    early-fusion and Siamese-difference baselines; the papers' own variants
    are subclasses that change one step (:class:`BGNetSegHead`,
    :class:`LSANetDecoderHead`).

    Args:
        in_channels (Sequence[int]): Channels of the selected levels, fine to
            coarse (``input_transform='multiple_select'`` is implied).
        decoder_channels (Sequence[int], optional): Output channels of the
            decoder block at each level, fine to coarse.  Defaults to
            ``in_channels`` with the finest block emitting ``channels``.
        num_convs (int): 3x3 ConvModules per block.  Defaults to 2.
        **kwargs: See :class:`mmseg.models.decode_heads.BaseDecodeHead`.
    """

    #: ``bias`` of the block convolutions ('auto': none before a norm).
    conv_bias = 'auto'

    def __init__(self,
                 in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = None,
                 num_convs: int = 2,
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
        self.num_convs = num_convs
        self.blocks = nn.ModuleList()
        for level in range(levels):
            above = decoder_channels[level + 1] if level + 1 < levels else 0
            self.blocks.append(
                self.make_block(in_channels[level] + above,
                                decoder_channels[level], level == levels - 1))

    def make_block(self, in_channels: int, out_channels: int,
                   coarsest: bool) -> nn.Module:
        """The block of one level: ``num_convs`` 3x3 ConvModules."""
        return nn.Sequential(*(ConvModule(
            in_channels if i == 0 else out_channels,
            out_channels,
            kernel_size=3,
            padding=1,
            bias=self.conv_bias,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg) for i in range(self.num_convs)))

    def forward(self, inputs: List[Tensor]) -> Tensor:
        feats = self._transform_inputs(inputs)
        x = self.blocks[-1](feats[-1])
        for level in range(len(feats) - 2, -1, -1):
            # The skip's size is the encoder's, not a choice mmseg's advice
            # on align_corners sizes (x + 1 to n x + 1) could change.
            x = resize(
                x,
                size=feats[level].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
                warning=False)
            x = self.blocks[level](torch.cat([feats[level], x], dim=1))
        return self.cls_seg(x)

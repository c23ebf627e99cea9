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

    A block of ``num_convs`` 3x3 ConvModules runs on the coarsest level
    (unless ``top_block=False``, which passes it on as it is); then each
    step upsamples x2 (bilinear), concatenates the next finer level (the
    skip connection) and applies another block.  The logits come from
    the finest block (1x1 ``conv_seg``), or, with ``final_upsample``, from a
    3x3 conv after one more bilinear x2 (for pyramids whose finest level has
    stride 2).  Used by the early-fusion and Siamese-difference baselines
    (two convs per block) and by BGNet, whose "Seghead" (checklist 1.7) has
    one conv per block, ``align_corners=True`` and the final x2 and 3x3
    classifier (4,758,081 parameters on ResNet-34's five levels), and by
    LSA-Net (checklist A5: no block at the coarsest level, conv biases kept
    in front of BN, ``align_corners=True``).

    Args:
        in_channels (Sequence[int]): Channels of the selected levels, fine to
            coarse (``input_transform='multiple_select'`` is implied).
        decoder_channels (Sequence[int], optional): Output channels of the
            decoder block at each level, fine to coarse.  Defaults to
            ``in_channels`` with the finest block emitting ``channels``.
        num_convs (int): 3x3 ConvModules per block.  Defaults to 2.
        final_upsample (bool): Upsample the finest block x2 and classify with
            a 3x3 conv.  Defaults to False.
        top_block (bool): Run a block on the coarsest level.  Without it
            the coarsest decoder width must equal its input width.  Defaults
            to True.
        conv_bias (bool | str): ``bias`` of the block convolutions
            (``'auto'``: none in front of a norm layer).  Defaults to
            'auto'.
        **kwargs: See :class:`mmseg.models.decode_heads.BaseDecodeHead`.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = None,
                 num_convs: int = 2,
                 final_upsample: bool = False,
                 top_block: bool = True,
                 conv_bias='auto',
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
        if not top_block and decoder_channels[-1] != in_channels[-1]:
            raise ValueError('without a top block the coarsest decoder width '
                             'is the input width')
        conv = dict(
            kernel_size=3,
            padding=1,
            bias=conv_bias,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.blocks = nn.ModuleList()
        for level in range(levels):
            if level == levels - 1 and not top_block:
                self.blocks.append(nn.Identity())
                continue
            above = decoder_channels[level + 1] if level + 1 < levels else 0
            block_in = in_channels[level] + above
            self.blocks.append(
                nn.Sequential(*(
                    ConvModule(block_in if i == 0 else decoder_channels[level],
                               decoder_channels[level], **conv)
                    for i in range(num_convs))))
        self.final_upsample = final_upsample
        if final_upsample:
            self.conv_seg = nn.Conv2d(
                self.channels, self.out_channels, 3, padding=1)

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
        if self.final_upsample:
            x = resize(
                x,
                scale_factor=2,
                mode='bilinear',
                align_corners=self.align_corners)
        return self.cls_seg(x)

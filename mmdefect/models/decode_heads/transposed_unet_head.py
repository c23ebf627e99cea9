"""U-Net decoder with transposed-conv upsampling and deep supervision."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor


def double_conv(in_channels: int, channels: int, norm_cfg: dict,
                act_cfg: dict) -> nn.Sequential:
    """Two 3x3 conv (with bias) + BN + ReLU, the GWNet/BANet block."""
    return nn.Sequential(*(ConvModule(
        c,
        channels,
        3,
        padding=1,
        bias=True,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg) for c in (in_channels, channels)))


@MODELS.register_module()
class TransposedUNetHead(BaseDecodeHead):
    """The decoder of BANet (and of GWNet, its authors' earlier network).

    The paper gives no layer sizes; these reproduce Table II's parameter
    counts with ResNet-34's five levels.  From the coarsest level, each
    step upsamples with a 2x2 stride-2 transposed conv (``C_up -> C_up``),
    concatenates the finer level (the skip) and applies two 3x3 conv + BN +
    ReLU to ``decoder_channels``; a last transposed conv and double conv
    bring the finest map (stride 2) to the input size, and a 1x1 conv gives
    the logits.

    Deep supervision (BANet Eq. 7, "the concatenated features from all
    layers of the decoder, subsequently processed through a 3x3
    convolution"): in training, the decoder maps are resized to the input
    size, concatenated and a 3x3 conv gives side logits supervised by
    ``loss_ds``.  ``forward`` then returns ``(logits, side_logits)`` and
    :meth:`loss_by_feat` adds ``loss_ds`` to the decode losses; at inference
    it returns the logits alone (the side branch is not in the paper's
    FLOPs).

    Args:
        in_channels (Sequence[int]): Channels of the levels, fine to coarse.
        decoder_channels (Sequence[int]): Output channels of the up blocks,
            fine to coarse, one per level but the coarsest; the last block
            (to the input size) keeps the finest width.
        loss_ds (dict, optional): Loss of the side logits; None: no deep
            supervision.
        **kwargs: :class:`BaseDecodeHead` arguments (``channels`` must be
            the finest decoder width).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 64, 128, 256, 512),
                 decoder_channels: Sequence[int] = (64, 64, 128, 256),
                 loss_ds: Union[ConfigType, None] = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=0.25,
                     loss_name='loss_ds'),
                 **kwargs) -> None:
        super().__init__(
            in_channels=list(in_channels),
            input_transform='multiple_select',
            **kwargs)
        if len(decoder_channels) != len(in_channels) - 1:
            raise ValueError('decoder_channels needs one entry per level but '
                             'the coarsest')
        if decoder_channels[0] != self.channels:
            raise ValueError('channels must be the finest decoder width')
        norm, act = self.norm_cfg, self.act_cfg
        self.ups = nn.ModuleList()
        self.blocks = nn.ModuleList()
        above = in_channels[-1]
        for level in range(len(in_channels) - 2, -1, -1):
            self.ups.append(nn.ConvTranspose2d(above, above, 2, stride=2))
            self.blocks.append(
                double_conv(in_channels[level] + above,
                            decoder_channels[level], norm, act))
            above = decoder_channels[level]
        self.last_up = nn.ConvTranspose2d(above, above, 2, stride=2)
        self.last_block = double_conv(above, self.channels, norm, act)
        self.loss_ds = None if loss_ds is None else MODELS.build(loss_ds)
        if self.loss_ds is not None:
            maps = sum(decoder_channels) + self.channels
            self.side = nn.Conv2d(maps, self.out_channels, 3, padding=1)

    def forward(self,
                inputs: List[Tensor]) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        maps = []
        for up, block, skip in zip(self.ups, self.blocks, feats[-2::-1]):
            x = block(torch.cat([skip, up(x)], dim=1))
            maps.append(x)
        x = self.last_block(self.last_up(x))  # (N, C, H, W)
        logits = self.cls_seg(x)
        if not (self.training and self.loss_ds is not None):
            return logits
        size = x.shape[2:]
        maps = [
            resize(
                m,
                size=size,
                mode='bilinear',
                align_corners=self.align_corners) for m in maps
        ] + [x]
        return logits, self.side(torch.cat(maps, dim=1))

    def loss_by_feat(self, seg_logits: Union[Tensor, Tuple[Tensor, Tensor]],
                     batch_data_samples: SampleList) -> dict:
        """The decode losses of the logits, plus ``loss_ds`` of the side
        logits in training."""
        if not isinstance(seg_logits, tuple):
            return super().loss_by_feat(seg_logits, batch_data_samples)
        logits, side = seg_logits
        losses = super().loss_by_feat(logits, batch_data_samples)
        label = self._stack_batch_gt(batch_data_samples).squeeze(1)
        side = resize(
            side,
            size=label.shape[1:],
            mode='bilinear',
            align_corners=self.align_corners)
        losses[self.loss_ds.loss_name] = self.loss_ds(
            side, label, ignore_index=self.ignore_index)
        return losses

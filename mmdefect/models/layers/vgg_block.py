"""The two-convolution block of U-Net / LSA-Net (``VGG_B`` and its strip
forms)."""
from typing import Tuple, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.utils import ConfigType

Kernel = Union[int, Tuple[int, int]]


def vgg_block(
    in_channels: int,
    mid_channels: int,
    out_channels: int,
    kernel_size: Kernel = 3,
    norm_cfg: ConfigType = dict(type='BN'),
    act_cfg: ConfigType = dict(type='ReLU')
) -> nn.Sequential:
    """Two ``conv -> BN -> ReLU`` layers with 'same' padding.

    LSA-Net's ``VGG_B`` (Table 1, Sec. 3.1) with ``kernel_size=3``; its
    strip blocks ``VGG_R`` and ``VGG_C`` (Table 3) with ``(1, 3)`` and
    ``(3, 1)``.  The convolutions keep their bias in front of BN as the
    authors' code does (Table 6's parameter count includes those biases).
    """
    kh, kw = (kernel_size, ) * 2 if isinstance(kernel_size,
                                               int) else kernel_size
    conv = dict(
        kernel_size=(kh, kw),
        padding=(kh // 2, kw // 2),
        bias=True,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg)
    return nn.Sequential(
        ConvModule(in_channels, mid_channels, **conv),
        ConvModule(mid_channels, out_channels, **conv))

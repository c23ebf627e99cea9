"""LSA-Net's decoder."""
from typing import Sequence

from mmseg.registry import MODELS
from torch import nn

from .unet_head import UNetHead


@MODELS.register_module()
class LSANetDecoderHead(UNetHead):
    """The decoder of LSA-Net (Li et al., J. Manufacturing Processes,
    Table 1, Fig. 4).

    A :class:`UNetHead` without a block at the coarsest level: the FEM
    output is upsampled as it is, and each finer step concatenates the
    skip with it and applies a VGG block (two 3x3 conv + BN + ReLU whose
    convolutions keep their bias in front of BN, as the authors' code
    does); it runs with ``align_corners=True``.  The coarsest decoder width
    is therefore the input width.

    Args:
        in_channels, decoder_channels, **kwargs: See :class:`UNetHead`.
    """

    conv_bias = True

    def __init__(self,
                 in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = None,
                 **kwargs) -> None:
        if decoder_channels is not None and \
                decoder_channels[-1] != in_channels[-1]:
            raise ValueError(
                'LSANetDecoderHead has no block at the coarsest level: its '
                f'decoder width ({decoder_channels[-1]}) must be the input '
                f'width ({in_channels[-1]})')
        super().__init__(
            in_channels=in_channels,
            decoder_channels=decoder_channels,
            **kwargs)

    def make_block(self, in_channels: int, out_channels: int,
                   coarsest: bool) -> nn.Module:
        if coarsest:
            return nn.Identity()
        return super().make_block(in_channels, out_channels, coarsest)

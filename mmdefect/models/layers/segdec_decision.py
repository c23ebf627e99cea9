"""The decision features of SegDecNet, MFFPA's baseline."""
from mmseg.registry import MODELS
from torch import nn

from .segdec_conv import SegDecConv


@MODELS.register_module()
class SegDecDecision(nn.Sequential):
    """SegDecNet's decision convolutions (Bozic et al. 2021, Sec. 3.1):
    three times a 2x2 max-pool and a 5x5 :class:`SegDecConv`, to 8, 16 and
    32 channels.  MFFPA's baseline and "MFF only" rows (Table 9).

    Args:
        in_channels (int): Input channels (features + mask logit).
        channels (tuple[int]): Output channels of the three convs.
    """

    def __init__(self, in_channels: int,
                 channels: tuple = (8, 16, 32)) -> None:
        layers = []
        for out in channels:
            layers += [nn.MaxPool2d(2), SegDecConv(in_channels, out, 5)]
            in_channels = out
        super().__init__(*layers)
        self.out_channels = in_channels

"""The segmentation network of SegDecNet and MFFPA, up to 1/8."""
from typing import Sequence, Tuple

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor, nn

from ..layers import SegDecConv


@MODELS.register_module()
class SegDecNet(BaseModule):
    """Plain 5x5 conv stages at 1/2, 1/4 and 1/8 (Bozic et al. 2021, Sec.
    3.1; MFFPA Sec. 3.1, Fig. 3).

    A 5x5 :class:`~mmdefect.models.layers.SegDecConv` to
    ``stem_channels`` at full resolution (not mentioned by MFFPA, but
    Table 9's parameter counts need it), then three stages, each a 2x2
    max-pool followed by ``stage_convs[i]`` 5x5 convs to
    ``stage_channels[i]``.  Returns the three stage outputs.

    MFFPA: (3, 4, 1) convs to (64, 64, 128); SegDecNet,
    MFFPA's baseline: (3, 4, 0) to (64, 64, 64), i.e. the last stage is the
    max-pool alone.  Inputs need H and W divisible by 8.

    Args:
        in_channels (int): Image channels.
        stem_channels (int): Channels of the full-resolution conv.
        stage_channels (Sequence[int]): Output channels of each stage; a
            stage without convs must keep its input channels.
        stage_convs (Sequence[int]): 5x5 convs of each stage.
        kernel_size (int): Kernel of every conv.  Defaults to 5.
        init_cfg (dict, optional): Initialisation config; the convs are
            Xavier-normal initialised at construction.
    """

    def __init__(self,
                 in_channels: int = 3,
                 stem_channels: int = 32,
                 stage_channels: Sequence[int] = (64, 64, 128),
                 stage_convs: Sequence[int] = (3, 4, 1),
                 kernel_size: int = 5,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(stage_channels) != len(stage_convs):
            raise ValueError('give stage_channels and stage_convs per stage')
        self.stem = SegDecConv(in_channels, stem_channels, kernel_size)
        self.stages = nn.ModuleList()
        channels = stem_channels
        for out, convs in zip(stage_channels, stage_convs):
            if convs == 0 and out != channels:
                raise ValueError(f'a stage without convs keeps its {channels}'
                                 f' channels; got stage_channels {out}')
            layers = [nn.MaxPool2d(2)]
            for i in range(convs):
                layers.append(
                    SegDecConv(channels if i == 0 else out, out, kernel_size))
            channels = out
            self.stages.append(nn.Sequential(*layers))

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f'SegDecNet needs an input size divisible by 8,'
                             f' got {tuple(x.shape[2:])}')
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs)

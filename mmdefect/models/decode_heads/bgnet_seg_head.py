"""BGNet's segmentation head."""
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn

from .unet_head import UNetHead


@MODELS.register_module()
class BGNetSegHead(UNetHead):
    """The "Seghead" of BGNet (Chen et al., KBS 2024, Sec. 3.5, Fig. 3).

    A :class:`UNetHead` of one 3x3 conv + BN + ReLU per level whose finest
    block (stride 2 on the five-level ResNet-34) is upsampled x2 (bilinear)
    to the input size and classified by a 3x3 conv, as the authors' code
    does (the fusion "in a manner similar to that of UNet"); it runs with
    ``align_corners=True``.

    Args:
        num_convs (int): 3x3 ConvModules per block.  Defaults to 1.
        **kwargs: See :class:`UNetHead`.
    """

    def __init__(self, num_convs: int = 1, **kwargs) -> None:
        super().__init__(num_convs=num_convs, **kwargs)
        self.conv_seg = nn.Conv2d(
            self.channels, self.out_channels, 3, padding=1)

    def cls_seg(self, feat: Tensor) -> Tensor:
        feat = resize(
            feat,
            scale_factor=2,
            mode='bilinear',
            align_corners=self.align_corners)
        return super().cls_seg(feat)

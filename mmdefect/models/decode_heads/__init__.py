from .change_aware_head import ChangeAwareHead
from .feature_difference_head import FeatureDifferenceHead
from .map_loss_head import MapLossHead
from .segdec_mask_head import SegDecMaskHead, downsample_target
from .transposed_unet_head import TransposedUNetHead
from .unet_head import UNetHead

__all__ = [
    'SegDecMaskHead', 'downsample_target', 'ChangeAwareHead',
    'FeatureDifferenceHead', 'MapLossHead', 'TransposedUNetHead', 'UNetHead'
]

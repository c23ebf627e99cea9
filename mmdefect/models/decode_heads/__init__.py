from .change_aware_head import ChangeAwareHead
from .feature_difference_head import FeatureDifferenceHead
from .map_loss_head import MapLossHead
from .transposed_unet_head import TransposedUNetHead
from .unet_head import UNetHead

__all__ = [
    'ChangeAwareHead', 'FeatureDifferenceHead', 'MapLossHead',
    'TransposedUNetHead', 'UNetHead'
]

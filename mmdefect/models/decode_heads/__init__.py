from .bgnet_seg_head import BGNetSegHead
from .change_aware_head import ChangeAwareHead
from .feature_difference_head import FeatureDifferenceHead
from .lsanet_decoder_head import LSANetDecoderHead
from .map_loss_head import MapLossHead
from .segdec_mask_head import SegDecMaskHead, downsample_target
from .transposed_unet_head import TransposedUNetHead
from .unet_head import UNetHead

__all__ = [
    'BGNetSegHead', 'SegDecMaskHead', 'downsample_target', 'ChangeAwareHead',
    'FeatureDifferenceHead', 'LSANetDecoderHead', 'MapLossHead',
    'TransposedUNetHead', 'UNetHead'
]

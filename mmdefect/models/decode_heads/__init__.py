# Copyright (c) mmdefect contributors. All rights reserved.
from .change_aware_head import ChangeAwareHead
from .distance_contrast_head import DistanceContrastHead
from .unet_head import UNetHead

__all__ = ['ChangeAwareHead', 'DistanceContrastHead', 'UNetHead']

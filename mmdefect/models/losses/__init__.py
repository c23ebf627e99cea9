# Copyright (c) mmdefect contributors. All rights reserved.
from .bce_dice_loss import BCEDiceLoss, bce_dice_loss
from .binary_focal_loss import BinaryFocalLoss, binary_focal_loss
from .contrastive_loss import (BalancedContrastiveLoss,
                               balanced_contrastive_loss)
from .feature_difference_loss import feature_difference_loss

__all__ = [
    'BalancedContrastiveLoss', 'BCEDiceLoss', 'BinaryFocalLoss',
    'balanced_contrastive_loss', 'bce_dice_loss', 'binary_focal_loss',
    'feature_difference_loss'
]

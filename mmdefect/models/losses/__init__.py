# Copyright (c) mmdefect contributors. All rights reserved.
from .binary_focal_loss import BinaryFocalLoss, binary_focal_loss
from .contrastive_loss import (BalancedContrastiveLoss,
                               balanced_contrastive_loss)

__all__ = [
    'BalancedContrastiveLoss', 'BinaryFocalLoss', 'balanced_contrastive_loss',
    'binary_focal_loss'
]

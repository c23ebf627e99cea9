# Copyright (c) mmdefect contributors. All rights reserved.
from .contrastive_loss import (BalancedContrastiveLoss,
                               balanced_contrastive_loss)

__all__ = ['BalancedContrastiveLoss', 'balanced_contrastive_loss']

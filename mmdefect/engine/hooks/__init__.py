from .invalid_loss_hook import InvalidLossHook
from .mixed_supervision_hook import MixedSupervisionHook, loss_weights
from .pose_error_hook import PoseErrorHook, field_error
from .prediction_summary_hook import PredictionSummaryHook
from .threshold_review_hook import ThresholdReviewHook
from .torch_random_state_hook import TorchRandomStateHook

__all__ = [
    'InvalidLossHook', 'MixedSupervisionHook', 'PoseErrorHook', 'field_error',
    'PredictionSummaryHook', 'loss_weights', 'ThresholdReviewHook',
    'TorchRandomStateHook'
]

from .invalid_loss_hook import InvalidLossHook
from .pose_error_hook import PoseErrorHook, theta_error

__all__ = ['InvalidLossHook', 'PoseErrorHook', 'theta_error']

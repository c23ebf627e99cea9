from .invalid_loss_hook import InvalidLossHook
from .mixed_supervision_hook import MixedSupervisionHook, loss_weights
from .pose_error_hook import PoseErrorHook, theta_error
from .torch_random_state_hook import TorchRandomStateHook

__all__ = [
    'InvalidLossHook', 'MixedSupervisionHook', 'PoseErrorHook', 'loss_weights',
    'theta_error', 'TorchRandomStateHook'
]

from .atomic_io import (remove_path, staged_output, write_data, write_file,
                        write_png)
from .checkpoint import (CheckpointError, check_checkpoint_to_load,
                         check_weights, load_weights)
from .color_type import apply_color_type, load_config
from .complexity import (count_conv_linear_macs, count_parameters,
                         count_thop_flops, input_channels)
from .dist import setup_cpu_distributed, teardown_distributed
from .runtime import quiet_runner_logger, setup_runtime
from .schedule import is_epoch_based, rescale_schedule, train_epoch_length

__all__ = [
    'apply_color_type', 'load_config', 'CheckpointError',
    'check_checkpoint_to_load', 'check_weights', 'load_weights',
    'quiet_runner_logger', 'setup_runtime', 'setup_cpu_distributed',
    'teardown_distributed', 'count_conv_linear_macs', 'count_thop_flops',
    'count_parameters', 'input_channels', 'remove_path', 'staged_output',
    'write_data', 'write_file', 'write_png', 'is_epoch_based',
    'rescale_schedule', 'train_epoch_length'
]

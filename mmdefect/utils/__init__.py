from .checkpoint import (CheckpointError, allow_runner_checkpoints,
                         check_checkpoint_to_load, check_weights, load_weights,
                         register_checkpoint_loader, runner_checkpoint_globals)
from .complexity import (count_conv_linear_macs, count_parameters,
                         count_thop_flops, input_channels)
from .dist import setup_cpu_distributed, teardown_distributed
from .staging import (remove_path, run_staged_tool, staged_output, write_file,
                      write_png)

__all__ = [
    'CheckpointError', 'allow_runner_checkpoints', 'check_checkpoint_to_load',
    'check_weights', 'load_weights', 'register_checkpoint_loader',
    'runner_checkpoint_globals', 'setup_cpu_distributed',
    'teardown_distributed', 'count_conv_linear_macs', 'count_thop_flops',
    'count_parameters', 'input_channels', 'remove_path', 'run_staged_tool',
    'staged_output', 'write_file', 'write_png'
]

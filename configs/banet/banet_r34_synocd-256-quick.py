# CPU quick run of BANet on SynOCD: 500 iterations of 4 pairs from scratch
# at Adam 1e-4.
_base_ = [
    '../_base_/models/banet_r34.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_adam_500.py'
]
# From scratch: CI and the CPU benchmarks run it offline.
model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(batch_size=4)
custom_hooks = [*_base_.custom_hooks, dict(type='PoseErrorHook')]

# BANet (Table II, row S5: Siamese + FEAM + STM) on SynOCD 256x256.  The STM's
# pose error against SynOCD's recorded pose is logged in validation and test
# (stm/theta_error_px, next to stm/identity_error_px for no alignment).
_base_ = [
    '../_base_/models/banet_r34.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_banet.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(batch_size=16)
custom_hooks = [*_base_.custom_hooks, dict(type='PoseErrorHook')]

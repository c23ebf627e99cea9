# CADNet on SynOCD (binary): the change-aware Siamese MiT-B0 with the
# baselines' SynOCD schedule (the paper trains on registered SynLCD pairs).
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=2))

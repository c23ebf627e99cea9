# SegFormer-B0 on the SynOCD sample alone (the appearance-based baseline:
# misalignment cannot hurt it, background changes can).
_base_ = [
    '../_base_/models/segformer_mit-b0.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=2))

# BGNet (Table 1, row S7: PE + self/cross attention + matching with MNN) on
# SynOCD 256x256, batch 8.  The paper trains on its data without
# augmentation; the SynOCD base keeps its paired flip.
_base_ = [
    '../_base_/models/bgnet_r34.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_bgnet.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(batch_size=8)

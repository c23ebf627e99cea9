# CADNet on the 256x256 SynLCD with line and abnormal point merged into one
# defect class: the leaderboard's SynLCD task, shared by every method
# (docs/leaderboard.md).  Quickstart schedule (500 iterations of 4 pairs);
# class-weighted CE as in the quickstart, defects being 1.5 % of the pixels.
_base_ = [
    '../_base_/models/cadnet_mit-b0.py',
    '../_base_/datasets/synlcd-256_defect.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_500.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(
    backbone=dict(init_cfg=None),
    decode_head=dict(
        num_classes=2, loss_decode=dict(class_weight=[1.0, 10.0])))

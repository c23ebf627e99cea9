# SegFormer-B0 on the sample of the binary 256x256 SynLCD (the leaderboard's
# SynLCD task), with CADNet's quickstart schedule and class weights.
_base_ = [
    '../_base_/models/segformer_mit-b0.py',
    '../_base_/datasets/synlcd-256_defect.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_500.py'
]
# From scratch: the leaderboard and CI train this config offline.
model = dict(
    backbone=dict(init_cfg=None),
    decode_head=dict(
        num_classes=2, loss_decode=dict(class_weight=[1.0, 10.0])))

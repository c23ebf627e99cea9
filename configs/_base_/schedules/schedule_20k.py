# The common schedule of the SynOCD baselines: 20,000 iterations of 8 pairs
# (about 290 epochs of the 551 training pairs; BANet trains about 500
# epochs of batch 16, BGNet 500 of batch 8), with schedule_126k.py's
# optimiser (AdamW 6e-5, linear warm-up, poly decay, 10x on the heads).
_base_ = './schedule_126k.py'
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=20000),
]
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(
    checkpoint=dict(interval=2000, save_best='defect.IoU', rule='greater'))

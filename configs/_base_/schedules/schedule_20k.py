# The common schedule of the SynOCD baselines: 20,000 iterations of 8 pairs
# (about 290 epochs of the 551 training pairs; BANet trains about 500
# epochs of batch 16, BGNet 500 of batch 8), with schedule_126k.py's
# optimiser (AdamW 6e-5, linear warm-up, poly decay, 10x on the heads).
_base_ = './schedule_126k.py'
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=1500,
        end=20000,
        by_epoch=False),
]
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(
    checkpoint=dict(interval=2000, save_best='defect.IoU', rule='greater'))

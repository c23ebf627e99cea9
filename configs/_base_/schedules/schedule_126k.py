# CADNet (Sec. 4.2): 30 epochs = 126,000 iterations over the 4,200 SynLCD
# training samples, i.e. one sample per iteration.  The authors published no
# optimiser settings; mmseg's SegFormer recipe (AdamW 6e-5, poly decay after
# a linear warm-up, 10x learning rate on the head) is used.
_base_ = './schedule_base.py'
optimizer = dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    paramwise_cfg=dict(
        custom_keys=dict(
            pos_block=dict(decay_mult=0.0),
            norm=dict(decay_mult=0.0),
            head=dict(lr_mult=10.0))))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=1500,
        end=126000,
        by_epoch=False),
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=126000, val_interval=12600)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(
        by_epoch=False, interval=12600, max_keep_ckpts=3, save_best='mIoU'))

# Inherits the runtime so that it can replace its hooks and log processor.
_base_ = ['../default_runtime.py']
# SegDecNet's training, which MFFPA keeps (checklist 2.1-2.7): plain SGD
# (no momentum, no weight decay) at a constant learning rate, batch 1,
# epochs of 2 x the defective images; the loss weights of Eq. 4 are set every
# iteration by MixedSupervisionHook (dynamic balance when some defective
# image has a mask, theta = cls_weight).  The final model is tested
# (KSDD, KSDD2, DAGM); the validation runs only log.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0, weight_decay=0))
param_scheduler = []
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=True,
        interval=5,
        max_keep_ckpts=2,
        save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [
    dict(type='InvalidLossHook'),
    dict(type='MixedSupervisionHook', cls_weight=1.0, dynamic='auto'),
]
log_processor = dict(by_epoch=True)

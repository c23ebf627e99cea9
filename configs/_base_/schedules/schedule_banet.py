# BANet's training (Sec. IV-A): Adam, lr 1e-5, batch 16.  Epochs, schedule
# and weight decay are not stated (checklist 3, Q13): 500 epochs of the 551
# training pairs at batch 16 (17,250 iterations), constant learning rate,
# no weight decay, validation every 10 epochs keeping the best defect IoU
# (BGNet's OCD practice: the validation split selects the model).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=17250, val_interval=345)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=345,
        max_keep_ckpts=2,
        save_best='defect.IoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))

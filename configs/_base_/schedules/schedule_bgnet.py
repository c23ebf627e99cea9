# BGNet's training (Sec. 4.1.2): Adam, lr "10e-5" (read as 1e-5, checklist
# X2; bgnet_r34_synocd-256_lr1e-4.py is the other reading), batch 8.  No
# schedule, weight decay or length stated besides the 500-epoch convergence
# study, where the test IoU peaks near epoch 200 and the validation split
# selects the model: 500 epochs of 551 pairs (34,500 iterations), constant
# lr, validation every 10 epochs, best defect IoU kept (checklist T2-T4).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=34500, val_interval=690)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=690,
        max_keep_ckpts=2,
        save_best='defect.IoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))

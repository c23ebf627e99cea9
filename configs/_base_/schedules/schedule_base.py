# The loops and hooks every schedule shares; a schedule sets the optimiser,
# the learning rate, the training loop, and how it logs and keeps
# checkpoints.  The best checkpoint (save_best) is chosen on the validation
# loop, which reads the validation split, never the test split
# (docs/train_test.md).
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    # Test runs draw their scores against the operating point
    # (docs/operating_points.md).
    threshold_review=dict(type='ThresholdReviewHook'))

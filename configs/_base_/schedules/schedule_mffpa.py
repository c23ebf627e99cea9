# SegDecNet's training, which MFFPA keeps (Sec. IV-B): plain SGD (no
# momentum, no weight decay) at a constant learning rate, batch 1, epochs of
# 2 x the defective images; the loss weights of Eq. 4 are set every
# iteration by MixedSupervisionHook (dynamic balance when some defective
# image has a mask, theta = cls_weight).  The final model is tested (KSDD,
# KSDD2, DAGM); the validation runs only log.  The runtime is inherited so
# that the hooks and the log processor can be replaced.
_base_ = ['../default_runtime.py', './schedule_base.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0, weight_decay=0))
param_scheduler = []
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_interval=5)
default_hooks = dict(
    checkpoint=dict(
        by_epoch=True, interval=5, max_keep_ckpts=2, save_last=True))
custom_hooks = [
    *_base_.custom_hooks,
    dict(type='MixedSupervisionHook', cls_weight=1.0, dynamic='auto'),
]
log_processor = dict(by_epoch=True)

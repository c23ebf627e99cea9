# BANet's training (Sec. IV-A): Adam, lr 1e-5, batch 16.  Epochs, schedule
# and weight decay are not stated: 500 epochs of the 551 training pairs at
# batch 16 (17,250 iterations), constant learning rate, no weight decay,
# validation every 10 epochs keeping the best defect IoU (BGNet's OCD
# practice: the validation split selects the model).
_base_ = './schedule_base.py'
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=17250, val_interval=345)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(
        by_epoch=False,
        interval=345,
        max_keep_ckpts=2,
        save_best='defect.IoU',
        rule='greater'))

# LSA-Net's training (Sec. 4.3): SGD lr 1e-3, momentum 0.9, weight decay
# 1e-4; cosine annealing to 1e-5 over 500 epochs, stepped once per epoch
# (the authors' code; the paper's "power 0.9" is a leftover of a poly
# schedule and is ignored).  Epochs of batch 16 with the last incomplete
# batch dropped: the loader settings are `epoch_loader`, which each LSA-Net
# config merges into its data set's training loader
# (train_dataloader = _base_.epoch_loader); the runtime is inherited to log
# by epoch.  The authors keep the best epoch on the test set; here the
# validation split selects the model and the last epoch is kept too.
_base_ = ['../default_runtime.py', './schedule_base.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=500,
        eta_min=1e-5,
        begin=0,
        end=500,
        by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=500, val_interval=10)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        by_epoch=True,
        interval=10,
        max_keep_ckpts=2,
        save_last=True,
        save_best='defect.IoU',
        rule='greater'))
log_processor = dict(by_epoch=True)
epoch_loader = dict(
    batch_size=16,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))

# CPU quick runs of BANet and BGNet: BANet's Adam recipe for 500 iterations
# from scratch (no ImageNet weights offline), so at lr 1e-4 rather than the
# papers' 1e-5; one log line every 5 iterations, the last checkpoint kept.
_base_ = './schedule_banet.py'
optim_wrapper = dict(optimizer=dict(lr=1e-4))
train_cfg = dict(max_iters=500, val_interval=500)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=500, max_keep_ckpts=1, save_best=None))

# CPU quick run of BGNet on SynOCD: 500 iterations of 4 pairs from scratch,
# Adam 1e-4.
_base_ = './bgnet_r34_synocd-256.py'
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
train_cfg = dict(max_iters=500, val_interval=500)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=500, max_keep_ckpts=1, save_best=None))

# CPU-sized schedule (quickstart, CPU benchmarks): 500 iterations, the same
# optimiser as schedule_126k.py with a 10x learning rate and a short warm-up.
_base_ = './schedule_126k.py'
optim_wrapper = dict(optimizer=dict(lr=6e-4))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=0.01, end=50),
    dict(_base_.param_scheduler[1], begin=50, end=500),
]
train_cfg = dict(max_iters=500, val_interval=500)
# A log line every 5 iterations: the first one within seconds of the start
# on 2 CPU cores, rather than minutes.
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=500, max_keep_ckpts=1, save_best=None))

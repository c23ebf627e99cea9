# KolektorSDD N = 33 with the reference's mixed-supervision pair instead of
# the paper's lr 0.01: lr 1.0 with theta (delta) 0.01, the base's
# MixedSupervisionHook at cls_weight 0.01.
_base_ = './mffpa_ksdd-n33.py'
optim_wrapper = dict(optimizer=dict(lr=1.0))
custom_hooks = [
    *_base_.custom_hooks[:-1],
    dict(_base_.custom_hooks[-1], cls_weight=0.01)
]

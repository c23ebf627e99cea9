# KolektorSDD N = 33 with the reference's mixed-supervision pair instead of
# the paper's lr 0.01: lr 1.0 with theta (delta) 0.01 (checklist item 10).
_base_ = './mffpa_ksdd-n33.py'
optim_wrapper = dict(optimizer=dict(lr=1.0))
custom_hooks = [
    dict(type='InvalidLossHook'),
    dict(type='MixedSupervisionHook', cls_weight=0.01, dynamic='auto'),
]

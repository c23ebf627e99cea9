# MFFPA on Severstal steel (750 defective training images), image labels
# only (N = 0; Table 3: AP 95.51).  Grey 1600 x 256 input, batch 10, SGD lr
# 0.1 (losses summed over the batch as in the reference), 90 epochs, theta
# 0.1; the checkpoint with the best validation trapezoid AP is the one to
# test (SegDecNet's reference practice); theta is the base's
# MixedSupervisionHook at cls_weight 0.1.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/severstal.py',
    '../_base_/schedules/schedule_mffpa.py'
]
default_hooks = dict(
    checkpoint=dict(save_best='image/AP_trapz', rule='greater'))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_cfg = dict(max_epochs=90)
custom_hooks = [
    *_base_.custom_hooks[:-1],
    dict(_base_.custom_hooks[-1], cls_weight=0.1)
]

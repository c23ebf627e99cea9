# MFFPA on Severstal steel (750 defective training images), image labels
# only (N = 0; Table 3: AP 95.51).  Grey 1600 x 256 input, batch 10, SGD lr
# 0.1 (losses summed over the batch as in the reference), 90 epochs, theta
# 0.1; the checkpoint with the best validation trapezoid AP is the one to
# test (checklist 2.7, section 3).
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/severstal.py',
    '../_base_/schedules/schedule_mffpa.py'
]
model = dict(
    data_preprocessor=dict(mean=[0.], std=[255.], channels=1),
    backbone=dict(in_channels=1))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_cfg = dict(max_epochs=90)
default_hooks = dict(
    checkpoint=dict(save_best='image/AP_trapz', rule='greater'))
custom_hooks = [
    dict(type='InvalidLossHook'),
    dict(type='MixedSupervisionHook', cls_weight=0.1, dynamic='auto'),
]

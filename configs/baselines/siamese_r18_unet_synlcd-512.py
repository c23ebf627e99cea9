# Siamese difference: shared ResNet-18, per-stage subtraction, U-Net decoder.
_base_ = [
    '../_base_/models/siamese_r18_unet.py', '../_base_/datasets/synlcd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_126k.py'
]

# Early fusion: sample and template concatenated to 6 channels, one
# ResNet-18 U-Net.
_base_ = [
    '../_base_/models/early_fusion_r18_unet.py',
    '../_base_/datasets/synlcd.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_126k.py'
]

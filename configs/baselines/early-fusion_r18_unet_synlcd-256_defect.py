# Early fusion (sample and template concatenated to 6 channels, one
# ResNet-18 U-Net) on the binary 256x256 SynLCD (the leaderboard's SynLCD
# task).
_base_ = [
    '../_base_/models/early_fusion_r18_unet.py',
    '../_base_/datasets/synlcd-256_defect.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

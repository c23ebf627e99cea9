# Siamese difference (shared ResNet-18, per-stage subtraction, U-Net
# decoder) on the binary 256x256 SynLCD (the leaderboard's SynLCD task).
_base_ = [
    '../_base_/models/siamese_r18_unet.py',
    '../_base_/datasets/synlcd-256_defect.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

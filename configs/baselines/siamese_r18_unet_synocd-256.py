# Siamese difference on SynOCD: shared ResNet-18, per-stage subtraction,
# U-Net decoder; the plain subtraction that misalignment is expected to hurt
# and that BANet's spatial transformer and BGNet's matching correct.
_base_ = [
    '../_base_/models/siamese_r18_unet.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

# Early fusion on SynOCD: sample and template concatenated to 6 channels,
# one ResNet-18 U-Net (BANet Table II's "concat" baseline).
_base_ = [
    '../_base_/models/early_fusion_r18_unet.py',
    '../_base_/datasets/synocd-256.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

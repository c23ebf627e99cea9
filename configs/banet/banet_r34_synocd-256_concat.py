# Table II, row S1 (baseline): sample and template concatenated on channels,
# one 6-channel ResNet-34 with the same U-Net decoder and deep supervision.
_base_ = './banet_r34_synocd-256.py'
model = dict(
    type='DefectEncoderDecoder',
    backbone=dict(in_channels=6),
    neck=None,
    auxiliary_head=None)
custom_hooks = [dict(type='InvalidLossHook')]

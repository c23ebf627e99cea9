# Siamese-difference baseline: shared ResNet-18 on sample and template,
# per-stage subtraction, U-Net decoder.
_base_ = './encoder_decoder.py'
model = dict(
    backbone=dict(
        _base_.resnet, type='ResNetV1c', depth=18, contract_dilation=True),
    neck=dict(type='FeatureFusionNeck', policy='diff'),
    decode_head=dict(
        _base_.softmax_head,
        type='UNetHead',
        in_channels=[64, 128, 256, 512],
        channels=64))

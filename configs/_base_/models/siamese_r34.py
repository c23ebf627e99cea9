# The Siamese ResNet-34 of BANet and BGNet: five levels (the stride-2 stem
# and the four stages) shared by sample and template, and a one-logit
# decoder over the five levels; each model base adds its neck and decoder.
# ImageNet weights (torchvision's resnet34: BGNet loads them, BANet's
# lineage code does) are not available offline: add
# init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34') to
# the backbone where they are.
_base_ = './encoder_decoder.py'
levels = [64, 64, 128, 256, 512]
model = dict(
    backbone=dict(_base_.resnet, type='ResNetWithStem', depth=34),
    decode_head=dict(
        _base_.one_logit_head,
        in_channels=levels,
        in_index=[0, 1, 2, 3, 4],
        channels=64,
        norm_cfg=_base_.norm_cfg))

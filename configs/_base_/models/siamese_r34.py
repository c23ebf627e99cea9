# The Siamese ResNet-34 of BANet and BGNet: five levels (the stride-2 stem
# and the four stages) shared by sample and template, and a one-logit
# decoder over the five levels; each model base adds its neck and decoder.
# The encoder starts from torchvision's ImageNet ResNet-34 (BGNet Sec. 3.3.1
# pre-trains on ImageNet; BANet's lineage code does too); the budget configs
# train from scratch.
_base_ = './encoder_decoder.py'
levels = [64, 64, 128, 256, 512]
model = dict(
    backbone=dict(
        _base_.resnet,
        type='ResNetWithStem',
        depth=34,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')),
    decode_head=dict(
        _base_.one_logit_head,
        in_channels=levels,
        in_index=[0, 1, 2, 3, 4],
        channels=64,
        norm_cfg=_base_.norm_cfg))

# BGNet (Chen et al., KBS 2024): Siamese ResNet-34 (five levels with the
# stride-2 stem; the text says ResNet-18 but only ResNet-34 gives the
# paper's 47.70 M), positional encoding + LoFTR linear-attention
# transformers + dual-softmax mutual-nearest-neighbour matching with matched
# subtraction at strides 8 and 32, plain differences elsewhere, a U-Net head
# of one conv per level, one logit per pixel; focal loss gamma 2 without
# alpha (Eq. 16).
norm_cfg = dict(type='BN', requires_grad=True)
levels = [64, 64, 128, 256, 512]
data_preprocessor = dict(
    type='DefectDataPreProcessor',
    num_images=2,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32,
    test_cfg=dict(size_divisor=32))
model = dict(
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    # The paper loads ImageNet weights (torchvision's resnet34); they are
    # not available offline: add init_cfg=dict(type='Pretrained',
    # checkpoint='torchvision://resnet34') where they are.
    backbone=dict(
        type='ResNetWithStem',
        depth=34,
        in_channels=3,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 2),
        dilations=(1, 1, 1, 1),
        style='pytorch',
        norm_cfg=norm_cfg,
        norm_eval=False),
    neck=dict(
        type='FeatureMatchingNeck',
        in_channels=levels,
        match_levels=(2, 4),
        num_heads=(4, 8),
        layer_types=(('self', 'cross') * 2, ('self', 'cross') * 4),
        positional_encoding=True,
        attention=True,
        matching='mnn',
        temperature=0.1,
        threshold=0.2),
    decode_head=dict(
        type='BGNetSegHead',
        in_channels=levels,
        in_index=[0, 1, 2, 3, 4],
        channels=64,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        dropout_ratio=0,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='BinaryFocalLoss', alpha=None, gamma=2.0, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

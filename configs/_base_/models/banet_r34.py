# BANet (Niu et al., IECON 2023): Siamese ResNet-34 (five levels with the
# stride-2 stem), spatial transformer re-aligning the template features,
# per-level differences, foreground edge attention (FEAM) gating them, a
# GWNet-style U-Net decoder with deep supervision, one logit per pixel.
# Loss (Eq. 10): 0.5 focal (alpha 0.25, gamma 2) + 0.25 edge BCE against
# Canny edges of the mask + 0.25 deep-supervision BCE.  Layer sizes the paper
# leaves open are chosen to reproduce Table II's parameter counts.
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
    # ImageNet weights (the authors' lineage code loads torchvision's) are
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
        type='SpatialTransformerNeck',
        in_channels=levels,
        stm=dict(loc_input='pair', padding_mode='border'),
        feam=dict(channels=[64, 128, 256, 256]),
        edge_attention=True),
    decode_head=dict(
        type='TransposedUNetHead',
        in_channels=levels,
        in_index=[0, 1, 2, 3, 4],
        decoder_channels=[64, 64, 128, 256],
        channels=64,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        dropout_ratio=0,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='BinaryFocalLoss', alpha=0.25, gamma=2.0, loss_weight=0.5),
        loss_ds=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            loss_weight=0.25,
            loss_name='loss_ds')),
    auxiliary_head=dict(
        type='MapLossHead',
        in_index='edge_map',
        target='gt_edge_map',
        loss=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            loss_weight=0.25,
            loss_name='loss_edge')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

# BANet (Niu et al., IECON 2023): Siamese ResNet-34 (five levels with the
# stride-2 stem), spatial transformer re-aligning the template features,
# per-level differences, foreground edge attention (FEAM) gating them, a
# GWNet-style U-Net decoder with deep supervision, one logit per pixel.
# Loss (Eq. 10): 0.5 focal (alpha 0.25, gamma 2) + 0.25 edge BCE against
# Canny edges of the mask + 0.25 deep-supervision BCE.  Layer sizes the paper
# leaves open are chosen to reproduce Table II's parameter counts.
_base_ = './siamese_r34.py'
model = dict(
    neck=dict(
        type='SpatialTransformerNeck',
        in_channels=_base_.levels,
        stm=dict(loc_input='pair', padding_mode='border'),
        feam=dict(channels=[64, 128, 256, 256]),
        edge_attention=True),
    decode_head=dict(
        type='TransposedUNetHead',
        decoder_channels=[64, 64, 128, 256],
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
            loss_name='loss_edge')))

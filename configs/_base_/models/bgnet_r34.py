# BGNet (Chen et al., KBS 2024): Siamese ResNet-34 (five levels with the
# stride-2 stem; the text says ResNet-18 but only ResNet-34 gives the
# paper's 47.70 M), positional encoding + LoFTR linear-attention
# transformers + dual-softmax mutual-nearest-neighbour matching with matched
# subtraction at strides 8 and 32, plain differences elsewhere, a U-Net head
# of one conv per level, one logit per pixel; focal loss gamma 2 without
# alpha (Eq. 16).
_base_ = './siamese_r34.py'
model = dict(
    neck=dict(
        type='FeatureMatchingNeck',
        in_channels=_base_.levels,
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
        align_corners=True,
        loss_decode=dict(
            type='BinaryFocalLoss', alpha=None, gamma=2.0, loss_weight=1.0)))

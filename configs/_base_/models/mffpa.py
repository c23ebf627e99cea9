# MFFPA (Tang et al., IEEE Access): SegDecNet's segmentation network with a
# 128-channel third stage, multiscale feature fusion (outlook attention) and
# a pyramid-attention decision network; one defect logit at 1/8 and one
# decision logit per image.  Trained with mixed supervision (see
# configs/_base_/schedules/schedule_mffpa.py).  11,291,265 parameters at
# 3 input channels (Table 9: 11.29 M).  Inputs are scaled to [0, 1] only,
# as the reference code does.
_base_ = './single_image.py'
data_preprocessor = dict(
    mean=[0., 0., 0.],
    std=[255., 255., 255.],
    bgr_to_rgb=False,
    size_divisor=8,
    test_cfg=dict(size_divisor=8))
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='SegDecNet',
        in_channels=3,
        stage_channels=(64, 64, 128),
        stage_convs=(3, 4, 1)),
    neck=dict(
        type='MultiscaleFusionNeck',
        in_channels=(64, 64, 128),
        channels=256,
        kernel_size=15,
        fusion=True,
        num_heads=4,
        attention_kernel=3),
    decode_head=dict(
        _base_.one_logit_head,
        type='SegDecMaskHead',
        in_channels=512,
        channels=512,
        in_index=0,
        # Distance-weighted BCE on the soft 1/8 targets, per-image means
        # summed over the batch; its weight is set every iteration by
        # MixedSupervisionHook (lambda of Eq. 4).
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_name='loss_seg')),
    # The decision on [features, mask logit] through the pyramid attention;
    # its loss, summed over the batch like the reference's, does not reach
    # the segmentation network (multiplier 0, the reference's setting in
    # every epoch).
    cls_head=dict(
        type='GlobalPoolClsHead',
        in_index=0,
        in_channels=512,
        extractor=dict(type='PyramidAttention', attention='coord'),
        grad_multiplier=0.0,
        loss_cls=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            reduction='sum',
            loss_name='loss_cls')))

# What every model shares: BN, the data preprocessor (ImageNet mean/std, RGB,
# sample and template stacked, padded to a multiple of 32) and whole-image
# inference; a model base sets the segmentor and its modules, built from
# the parts below where they fit.
norm_cfg = dict(type='BN', requires_grad=True)
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
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# mmseg's ResNet with four stages (stride 2 after the first), no dilation,
# BN trained; the models set the depth.
resnet = dict(
    in_channels=3,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    strides=(1, 2, 2, 2),
    dilations=(1, 1, 1, 1),
    style='pytorch',
    norm_cfg=norm_cfg,
    norm_eval=False)
# A softmax decode head over four levels: mmseg's cross-entropy over
# SynLCD's three classes unless a config says otherwise, dropout 0.1.
softmax_head = dict(
    in_index=[0, 1, 2, 3],
    dropout_ratio=0.1,
    num_classes=3,
    norm_cfg=norm_cfg,
    align_corners=False,
    loss_decode=dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
# A one-logit decode head (defect against background): one output channel
# cut at 0.5 (mmseg cuts one-logit outputs at 0.3 unless told), no dropout.
one_logit_head = dict(
    num_classes=2, out_channels=1, threshold=0.5, dropout_ratio=0)
# A paired model's early-fusion variant: sample and template concatenated
# to 6 channels for one encoder, no neck (the "concat" baselines of BANet
# Table II and BGNet Table 1).
early_fusion = dict(
    type='DefectEncoderDecoder', backbone=dict(in_channels=6), neck=None)

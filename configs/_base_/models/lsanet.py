# LSA-Net (Li et al., J. Manufacturing Processes): a single-image VGG-block
# U-Net (32-512) with location attention (LAM), shape detection (SDM) and
# fine extraction (FEM); one logit per pixel.  Losses (Eq. 5): 1.4 BCE-Dice
# on the segmentation, 0.4 BCE-Dice on the location logit against the
# bounding rectangles of the defects at 1/2 resolution, 0.2 feature
# difference of the SDM's two branches.  21.60 M parameters (Table 6).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='DefectDataPreProcessor',
    num_images=1,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16,
    test_cfg=dict(size_divisor=16))
# The location logit against the filled bounding rectangles of the defects
# (``GenerateLocationMap`` in the training pipeline), at the logit's 1/2
# resolution (the label subsampled).
location_head = dict(
    type='MapLossHead',
    in_index='location_logit',
    target='gt_loc_map',
    subsample_target=True,
    loss=dict(type='BCEDiceLoss', loss_weight=0.4, loss_name='loss_loc'))
# 1 / MSE(V1, V2) per image (Eq. 3), nu = 0.2.
difference_head = dict(
    type='FeatureDifferenceHead',
    in_index=('sppm_feature', 'lspm_feature'),
    loss_weight=0.2,
    eps=1e-6,
    reduction='image')
model = dict(
    type='DefectEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='LSANetEncoder',
        in_channels=3,
        widths=(32, 64, 128, 256, 512),
        use_lam=True,
        use_sdm=True,
        use_fem=True,
        lam=dict(groups=8, fusion='mul', loc_from='output'),
        sdm=dict(lspm_pool='half', share_sppm_block=True),
        fem=dict(concat_input=True),
        norm_cfg=norm_cfg),
    # No block at the coarsest level, the skip first in every
    # concatenation, bilinear x2 with align_corners=True.
    decode_head=dict(
        type='LSANetDecoderHead',
        in_channels=[32, 64, 128, 256, 512],
        in_index=[0, 1, 2, 3, 4],
        channels=32,
        num_convs=2,
        num_classes=2,
        out_channels=1,
        # mmseg binarises one-logit outputs at 0.3 unless told.
        threshold=0.5,
        dropout_ratio=0,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='BCEDiceLoss', loss_weight=1.4, loss_name='loss_seg')),
    auxiliary_head=[location_head, difference_head],
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

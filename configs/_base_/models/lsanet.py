# LSA-Net (Li et al., J. Manufacturing Processes): a single-image VGG-block
# U-Net (32-512) with location attention (LAM), shape detection (SDM) and
# fine extraction (FEM); one logit per pixel.  Losses (Eq. 5): 1.4 BCE-Dice
# on the segmentation, 0.4 BCE-Dice on the location logit against the
# bounding rectangles of the defects at 1/2 resolution, 0.2 feature
# difference of the SDM's two branches.  21.60 M parameters (Table 6).
_base_ = './single_image.py'
data_preprocessor = dict(size_divisor=16, test_cfg=dict(size_divisor=16))
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
        norm_cfg=_base_.norm_cfg),
    # No block at the coarsest level, the skip first in every
    # concatenation, bilinear x2 with align_corners=True.
    decode_head=dict(
        _base_.one_logit_head,
        type='LSANetDecoderHead',
        in_channels=[32, 64, 128, 256, 512],
        in_index=[0, 1, 2, 3, 4],
        channels=32,
        num_convs=2,
        norm_cfg=_base_.norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='BCEDiceLoss', loss_weight=1.4, loss_name='loss_seg')),
    auxiliary_head=[location_head, difference_head])
# Table 8's ladder below the full model (row 4), as overrides that a data
# set's config applies (``model = _base_.table8_lam``).  Row 1, "Base": the
# plain U-Net, segmentation loss alone.
table8_unet = dict(
    backbone=dict(use_lam=False, use_sdm=False, use_fem=False),
    auxiliary_head=None)
# Row 2, "Base + LAM": the location loss at mu = 0.6 and no SDM, so no
# difference loss (the authors' code has 1.4 seg + 0.6 loc commented out).
table8_lam = dict(
    backbone=dict(use_sdm=False, use_fem=False),
    auxiliary_head=[
        dict(location_head, loss=dict(location_head['loss'], loss_weight=0.6))
    ])
# Row 3, "Base + LAM + SDM": no fine extraction; losses as the full model.
table8_lam_sdm = dict(backbone=dict(use_fem=False))

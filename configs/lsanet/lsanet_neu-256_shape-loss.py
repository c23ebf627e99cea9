# Table 7, last row (Fig. 15): instead of the feature-difference loss, each
# SDM branch predicts the defect mask at 1/8 resolution through a bias-free
# 1x1 conv, supervised by BCE-Dice against the mask subsampled to 1/8;
# 1.4 seg + 0.4 loc + 0.2 (shape SPPM + shape LSPM).
_base_ = './lsanet_neu-256.py'
shape_head = dict(
    type='MapLossHead',
    target='gt_sem_seg',
    subsample_target=True,
    loss=dict(type='BCEDiceLoss', loss_weight=0.2, loss_name='loss_shape'))
model = dict(
    backbone=dict(sdm=dict(shape_logits=True)),
    auxiliary_head=[
        _base_.location_head,
        dict(shape_head, in_index='sppm_shape_logit'),
        dict(shape_head, in_index='lspm_shape_logit')
    ])

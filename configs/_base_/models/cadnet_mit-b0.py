# CADNet (Liu et al.): the SegFormer-B0 encoder shared by sample and
# template, per-stage differences + DistMap (Eq. 7), change-aware decoder
# (Eq. 11-14), loss lambda1 * CE + lambda2 * BCL (Eq. 16, both 1).
_base_ = './segformer_mit-b0.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='SiameseEncoderDecoder',
    neck=dict(type='FeatureFusionNeck', policy='diff', distance_map=True),
    decode_head=dict(
        type='ChangeAwareHead', dist_index=4, mode='intra'),
    auxiliary_head=dict(
        type='DistanceContrastHead',
        in_index=4,
        loss_contrast=dict(
            type='BalancedContrastiveLoss',
            tau_ok=0.3,
            tau_ng=2.2,
            balanced=True,
            loss_weight=1.0)))

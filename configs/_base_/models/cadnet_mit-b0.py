# CADNet (Liu et al.): the SegFormer-B0 encoder shared by sample and
# template, per-stage differences + DistMap (Eq. 7), change-aware decoder
# (Eq. 11-14), loss lambda1 * CE + lambda2 * BCL (Eq. 16, both 1).
_base_ = './segformer_mit-b0.py'
data_preprocessor = dict(num_images=2)  # the sample and its template
model = dict(
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    neck=dict(type='FeatureFusionNeck', policy='diff', distance_map=True),
    decode_head=dict(
        type='ChangeAwareHead', dist_index='distance_map', mode='intra'),
    auxiliary_head=dict(
        type='MapLossHead',
        in_index='distance_map',
        target='gt_sem_seg',
        loss=dict(
            type='BalancedContrastiveLoss',
            tau_ok=0.3,
            tau_ng=2.2,
            balanced=True,
            loss_weight=1.0)))

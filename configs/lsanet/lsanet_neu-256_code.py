# The authors' public code where it differs from the paper: the location
# attention sums the strips and takes its logit from the sum of the groups;
# the SDM computes its two shape logits even though no loss uses them (their
# 768 parameters are in the code's 21,601,485); the difference loss is
# 1 / MSE over the whole batch without eps; albumentations' Flip
# (horizontal, vertical or both, each with probability 1/6) instead of the
# vertical flip.
_base_ = './lsanet_neu-256.py'
model = dict(
    backbone=dict(
        lam=dict(fusion='add', loc_from='groups_sum'),
        sdm=dict(shape_logits=True)),
    auxiliary_head=[
        _base_.location_head,
        dict(_base_.difference_head, eps=0.0, reduction='batch')
    ])
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(
        type='RandomFlip',
        prob=[1 / 6, 1 / 6, 1 / 6],
        direction=['horizontal', 'vertical', 'diagonal']),
    *_base_.train_pipeline[3:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

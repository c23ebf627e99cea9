# Table 8, row 2 ("Base + LAM"): location attention only, supervised by the
# location loss with mu = 0.6 (no SDM, so no difference loss; the authors'
# code has 1.4 seg + 0.6 loc commented out).
_base_ = './lsanet_synlcd-256.py'
model = dict(
    backbone=dict(use_sdm=False, use_fem=False),
    auxiliary_head=[
        dict(
            _base_.location_head,
            loss=dict(_base_.location_head.loss, loss_weight=0.6))
    ])

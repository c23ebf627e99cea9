# Table 8, row 2 ("Base + LAM") on the SynOCD sample: location attention
# supervised by the location loss at mu = 0.6 (no SDM, no difference loss).
_base_ = './lsanet_synocd-256.py'
model = dict(
    backbone=dict(use_sdm=False, use_fem=False),
    auxiliary_head=[
        dict(
            _base_.location_head,
            loss=dict(_base_.location_head.loss, loss_weight=0.6))
    ])

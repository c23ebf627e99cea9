# Table 7, row 1 (lambda 1.4, mu 0.6, nu 0: no feature-difference loss),
# which is also Table 10's "seg + loc" row (its NEU-Seg IoU 0.7405 equals
# Table 7's).
_base_ = './lsanet_neu-256.py'
model = dict(auxiliary_head=[
    dict(
        _base_.location_head,
        loss=dict(_base_.location_head.loss, loss_weight=0.6))
])

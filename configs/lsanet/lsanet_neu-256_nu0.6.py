# Table 7: lambda 1.4, mu 0.4, nu 0.6 (the paper keeps nu = 0.2).
_base_ = './lsanet_neu-256.py'
model = dict(auxiliary_head=[
    _base_.location_head,
    dict(_base_.difference_head, loss_weight=0.6)
])

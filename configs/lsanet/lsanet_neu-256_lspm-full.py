# Table 9: LSPM strip pooling over whole rows and columns, (1, w) and
# (h, 1), instead of halves.
_base_ = './lsanet_neu-256.py'
model = dict(backbone=dict(sdm=dict(lspm_pool='full')))

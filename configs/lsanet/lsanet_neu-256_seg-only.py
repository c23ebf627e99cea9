# Table 10, "seg": the full architecture trained with the segmentation loss
# alone (1.4 BCE-Dice; the weights are not given, so assumed).  "seg + loc" is
# lsanet_neu-256_mu0.6-nu0.py, "seg + loc + diff" lsanet_neu-256.py.
_base_ = './lsanet_neu-256.py'
model = dict(auxiliary_head=None)

# Table 8, row 2 ("Base + LAM") on the SynOCD sample: location attention
# supervised by the location loss at mu = 0.6 (no SDM, no difference loss).
_base_ = './lsanet_synocd-256.py'
model = _base_.table8_lam

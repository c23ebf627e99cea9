# Table 8, row 2 ("Base + LAM") on the SynLCD sample: location attention
# supervised by the location loss at mu = 0.6 (no SDM, no difference loss).
_base_ = './lsanet_synlcd-256.py'
model = _base_.table8_lam

# Table 8, row 3 ("Base + LAM + SDM") on the SynLCD sample: no fine
# extraction module; losses 1.4 / 0.4 / 0.2 as the full model.
_base_ = './lsanet_synlcd-256.py'
model = _base_.table8_lam_sdm

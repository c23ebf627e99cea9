# MFFPA Tables 7/8 "SE": the "PA" variant with squeeze-excitation weights
# (EPSANet's, squeeze width 4) instead of coordinate attention in the
# pyramid attention.  N = 0 (AP 84.86, AUC 95.21).
_base_ = './mffpa_ksdd2-n0_pa.py'
model = dict(cls_head=dict(extractor=dict(attention='se')))

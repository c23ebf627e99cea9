# MFFPA Tables 5/6 "MFF" (Table 9 row 2: 8.58 M / 31.79 G): multiscale
# fusion with SegDecNet's decision convolutions instead of the pyramid
# attention.  N = 0 (AP 81.45, AUC 90.72).
_base_ = './mffpa_ksdd2-n0.py'
model = dict(
    cls_head=dict(extractor=dict(_delete_=True, type='SegDecDecision')))

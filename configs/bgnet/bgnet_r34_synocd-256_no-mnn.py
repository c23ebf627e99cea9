# Table 1, row S6: matching without the mutual check (dual softmax and the
# 0.2 threshold kept; every sample token takes its row maximum).
_base_ = './bgnet_r34_synocd-256.py'
model = dict(neck=dict(matching='nn'))

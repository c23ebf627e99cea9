# Table 1, row S5: PE and transformers, then plain subtraction of the
# transformer outputs (no matching).
_base_ = './bgnet_r34_synocd-256.py'
model = dict(neck=dict(matching=None), auxiliary_head=None)

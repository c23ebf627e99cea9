# Table 1, row S2 (Siamese): plain subtraction at all five levels; no
# positional encoding, transformer or matching.
_base_ = './bgnet_r34_synocd-256.py'
model = dict(
    neck=dict(positional_encoding=False, attention=False, matching=None),
    auxiliary_head=None)

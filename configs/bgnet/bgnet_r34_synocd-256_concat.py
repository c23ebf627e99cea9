# Table 1, row S1 (baseline): template and sample concatenated on channels,
# one 6-channel ResNet-34 with the same head; no subtraction.
_base_ = './bgnet_r34_synocd-256.py'
model = dict(_base_.early_fusion, auxiliary_head=None)

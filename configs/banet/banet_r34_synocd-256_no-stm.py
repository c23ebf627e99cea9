# Table II, row S3 (Siamese + FEAM): BANet without the spatial transformer;
# FEAM works on the plain (unaligned) differences.
_base_ = './banet_r34_synocd-256.py'
model = dict(neck=dict(stm=None))
# No spatial transformer, no pose to score.
custom_hooks = _base_.custom_hooks[:-1]

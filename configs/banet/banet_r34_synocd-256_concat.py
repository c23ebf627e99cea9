# Table II, row S1 (baseline): sample and template concatenated on channels,
# one 6-channel ResNet-34 with the same U-Net decoder and deep supervision.
_base_ = './banet_r34_synocd-256.py'
model = dict(_base_.early_fusion, auxiliary_head=None)
# No spatial transformer, no pose to score.
custom_hooks = _base_.custom_hooks[:-1]

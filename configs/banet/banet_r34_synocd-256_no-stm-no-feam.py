# Table II, row S2 (Siamese): shared ResNet-34, per-level subtraction, the
# same decoder and deep supervision ("Siamese network with FEAM and STM
# components removed").
_base_ = './banet_r34_synocd-256.py'
model = dict(
    neck=dict(stm=None, feam=None, edge_attention=False), auxiliary_head=None)
# No spatial transformer, no pose to score.
custom_hooks = _base_.custom_hooks[:-1]

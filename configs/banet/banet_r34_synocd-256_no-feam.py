# Table II, row S4 (Siamese + STM): BANet without FEAM (no edge branch, no
# edge loss; 0.5 focal + 0.25 deep supervision remain, Eq. 10).
_base_ = './banet_r34_synocd-256.py'
model = dict(neck=dict(feam=None, edge_attention=False), auxiliary_head=None)

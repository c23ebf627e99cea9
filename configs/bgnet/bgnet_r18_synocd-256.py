# BGNet with the ResNet-18 encoder its text names (Sec. 3.3.1); the paper's
# 47.70 M parameters fit ResNet-34 only (this one has 37.58 M).
_base_ = './bgnet_r34_synocd-256.py'
model = dict(backbone=dict(depth=18))

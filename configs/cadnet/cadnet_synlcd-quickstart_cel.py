# Table 7, row 1 (CEL only) at the CPU quickstart budget: no DistMap and no
# contrastive supervision, SegFormer decoder on the per-stage differences.
_base_ = './cadnet_synlcd-quickstart_cel-bcl.py'
model = dict(neck=dict(distance_map=False), auxiliary_head=None)

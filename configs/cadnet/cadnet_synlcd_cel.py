# Table 7, row 1 (CEL only): Siamese MiT-B0 + SegFormer decoder on the
# per-stage differences, no contrastive supervision of the DistMap.
_base_ = './cadnet_synlcd_cel-bcl.py'
model = dict(neck=dict(distance_map=False), auxiliary_head=None)

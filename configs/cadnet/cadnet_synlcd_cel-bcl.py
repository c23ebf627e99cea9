# Table 7, row 3 (CEL + BCL): the change-aware decoder is replaced by the
# stock all-MLP SegFormer decoder on the per-stage differences.
_base_ = './cadnet_synlcd.py'
model = dict(decode_head=dict(_base_.segformer_head, _delete_=True))

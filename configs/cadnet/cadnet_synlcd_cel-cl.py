# Table 7, row 2 (CEL + CL): plain binary contrastive loss (Eq. 8) instead of
# the multi-class balanced one, SegFormer decoder.
_base_ = './cadnet_synlcd_cel-bcl.py'
model = dict(
    auxiliary_head=dict(loss=dict(balanced=False, loss_name='loss_cl')))

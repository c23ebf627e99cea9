# Table 7, row 2 (CEL + CL) at the CPU quickstart budget: the plain binary
# contrastive loss (Eq. 8) instead of the balanced one (Eq. 10).
_base_ = './cadnet_synlcd-quickstart_cel-bcl.py'
model = dict(
    auxiliary_head=dict(loss=dict(balanced=False, loss_name='loss_cl')))

# Table 7, row 3 (CEL + BCL) at the CPU quickstart budget: the quickstart's
# CADNet with the stock all-MLP SegFormer decoder on the per-stage
# differences instead of the change-aware one (same weighted CE).
_base_ = './cadnet_synlcd-quickstart.py'
model = dict(
    decode_head=dict(
        _base_.segformer_head,
        _delete_=True,
        loss_decode=_base_.model.decode_head.loss_decode))

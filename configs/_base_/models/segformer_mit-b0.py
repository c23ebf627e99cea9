# Stock SegFormer-B0 (Xie et al. 2021) on one image: the appearance-based
# rival of CADNet (paper Table 3: 3.72 M parameters).  It runs on the same
# (paired) data configs as the template-comparison models.
# `segformer_head` is the all-MLP decoder, which CADNet's Table 7 rows put
# back in place of the change-aware one.  The encoder starts from the
# ImageNet MiT-B0 weights in mmseg's key format, as mmseg's SegFormer configs
# do; the budget configs train from scratch.
_base_ = './single_image.py'
segformer_head = dict(
    _base_.softmax_head,
    type='SegformerHead',
    in_channels=[32, 64, 160, 256],
    channels=256)
model = dict(
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
            'pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth')),
    decode_head=segformer_head)

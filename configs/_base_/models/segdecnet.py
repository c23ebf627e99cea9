# SegDecNet (Bozic et al., "Mixed supervision for surface-defect detection",
# Computers in Industry 2021), MFFPA's baseline (Table 9 row 1: 15.64 M):
# stages 64/64 with a max-pool as the third stage, the 15x15 conv 64 -> 1024,
# the 1x1 mask head, SegDecNet's decision convolutions (8/16/32 channels)
# on [features, mask].  15,638,813 parameters at 3 input channels.
_base_ = './mffpa.py'
model = dict(
    backbone=dict(stage_channels=(64, 64, 64), stage_convs=(3, 4, 0)),
    neck=dict(in_channels=(64, 64, 64), channels=1024, fusion=False),
    decode_head=dict(in_channels=1024, channels=1024),
    cls_head=dict(
        in_channels=1024, extractor=dict(_delete_=True,
                                         type='SegDecDecision')))

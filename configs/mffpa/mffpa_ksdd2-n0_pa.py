# MFFPA Tables 5/6 "PA" (Table 9 row 3: 10.87 M / 32.35 G): the pyramid
# attention decision on SegDecNet's segmentation network whose 15x15 conv
# gives 512 channels (64 -> 512, no third-stage conv, no fusion; not
# "baseline + PA").  N = 0 (AP 85.66, AUC 95.07); Tables 7/8
# "CA".
_base_ = './mffpa_ksdd2-n0.py'
model = dict(
    backbone=dict(stage_channels=(64, 64, 64), stage_convs=(3, 4, 0)),
    neck=dict(in_channels=(64, 64, 64), channels=512, fusion=False))

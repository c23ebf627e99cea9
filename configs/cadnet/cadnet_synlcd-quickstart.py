# CPU quickstart (README's first command): CADNet on the small 256x256
# SynLCD, 500 iterations of 4 pairs on 2 CPU cores.
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/synlcd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]
# CPU budget: 500 iterations from scratch (no pretrained weights offline)
# instead of 126,000 from an ImageNet-pretrained MiT.  Class-weighted CE lets
# the rare classes register within it (line 2.4 %, abpt 0.13 % of pixels).
model = dict(
    backbone=dict(init_cfg=None),
    decode_head=dict(loss_decode=dict(class_weight=[1.0, 4.0, 40.0])))

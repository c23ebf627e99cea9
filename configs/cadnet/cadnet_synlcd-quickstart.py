# CPU quickstart (README's first command): CADNet on the small 256x256
# SynLCD, 500 iterations of 4 pairs on 2 CPU cores.
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/synlcd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]

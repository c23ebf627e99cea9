# CADNet on SynOCD (binary): the change-aware Siamese MiT-B0 with the
# baselines' SynOCD schedule (the paper trains on registered SynLCD pairs).
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

# SegFormer-B0 on the SynOCD sample alone (the appearance-based baseline:
# misalignment cannot hurt it, background changes can).
_base_ = [
    '../_base_/models/segformer_mit-b0.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
model = dict(decode_head=dict(num_classes=2))

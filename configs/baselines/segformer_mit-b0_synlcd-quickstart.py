# SegFormer-B0 on the sample alone with the CADNet quickstart's data and
# budget: the appearance-based side of the CPU accuracy benchmark.
_base_ = [
    '../_base_/models/segformer_mit-b0.py',
    '../_base_/datasets/synlcd-256_sample-only.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]

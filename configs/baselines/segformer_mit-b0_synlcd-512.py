# Stock SegFormer-B0 on the sample image alone (appearance-based rival of the
# template-comparison models; CADNet Table 3), same schedule as CADNet.
_base_ = [
    '../_base_/models/segformer_mit-b0.py', '../_base_/datasets/synlcd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_126k.py'
]

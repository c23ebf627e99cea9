# The 256 x 256 SynLCD quick set as an image-level inspection task for
# single-image models: the sample only, defective = any defect pixel (line
# or abnormal point), half of the 280 training images defective.  Masks of
# N = 0, 14 (10 %) or all 140 defective images
# (tools/dataset_converters/mixed_supervision.py, see configs/mffpa/
# README.md); SegDecNet targets with KSDD2's dilation and weights scaled to
# the thin SynLCD lines (dilation 3, p 2, w_pos 3).
_base_ = './mixed-supervision.py'
data_root = 'data/synlcd_quick'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='GenerateSegDecTargets', dilation=3, p=2, w_pos=3),
    dict(type='PackDefectInputs'),
]
ann_file = 'splits/train_n14.json'
dataset = dict(data_root=data_root, mask_value_map={2: 1})
train_dataloader = dict(
    dataset=dict(dataset, ann_file=ann_file, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, ann_file=ann_file))
test_dataloader = dict(dataset=dict(dataset, ann_file='splits/test.txt'))

# Severstal steel defects, the 750-positive subset (MFFPA Table 3): grey
# 1600 x 256 images as they are, RLE masks never dilated, distance weights
# p = 2, w_pos = 1 (checklist section 3); batch 10.  A separate validation
# split selects the model (trapezoid AP, the reference's).
# tools/dataset_converters/severstal.py writes
# splits/train_n{0,10,50,150,300,750}.json, val.json and test.json.
# Models take one channel.
_base_ = './mixed-supervision.py'
data_root = 'data/severstal'
train_pipeline = [
    dict(type='LoadDefectImages', color_type='grayscale'),
    dict(type='LoadDefectAnnotations'),
    dict(type='GenerateSegDecTargets', dilation=1, p=2, w_pos=1),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages', color_type='grayscale'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
train_dataloader = dict(
    batch_size=10, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='splits/val.json',
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='DefectDataset',
        data_root=data_root,
        ann_file='splits/test.json',
        pipeline=test_pipeline))

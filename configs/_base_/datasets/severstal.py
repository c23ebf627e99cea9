# Severstal steel defects, the 750-positive subset (MFFPA Table 3): grey
# 1600 x 256 images as they are, RLE masks never dilated, distance weights
# p = 2, w_pos = 1; batch 10.  Its own validation split selects the model
# (trapezoid AP, the reference's).  tools/dataset_converters/severstal.py
# writes splits/train_n{0,10,50,150,300,750}.json, val.json and test.json.
# Grey images (DAGM's base), with Severstal's own targets.
_base_ = './dagm.py'
data_root = 'data/severstal'
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(type='GenerateSegDecTargets', dilation=1, p=2, w_pos=1),
    _base_.train_pipeline[-1],
]
dataset = dict(data_root=data_root, holdout=None)
train_dataloader = dict(
    batch_size=10, dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, ann_file='splits/val.json'))
test_dataloader = dict(dataset=dict(dataset, ann_file='splits/test.json'))

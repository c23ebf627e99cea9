# DAGM 2007, one dataset and one model per class (MFFPA Table 2): 512 x 512
# grey images, masks dilated by 7, distance weights p = 1, w_pos = 10.
# tools/dataset_converters/dagm.py writes
# data/dagm/class{1..10}/splits/train_n{0,5,15,45,<all>}.json and test.json;
# class k is its data_root.  Grey images: models take one channel.
_base_ = './mixed-supervision.py'
data_root = 'data/dagm/class1'
color_type = 'grayscale'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='GenerateSegDecTargets', dilation=7, p=1, w_pos=10),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
dataset = dict(data_root=data_root)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader

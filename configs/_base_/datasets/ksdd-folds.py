# KolektorSDD in SegDecNet's 3-fold protocol (MFFPA Table 1): grey images
# resized to 512 x 1408 (W x H), masks dilated by 7, distance weights p = 2,
# w_pos = 1 (checklist section 3).  tools/dataset_converters/ksdd_folds.py
# writes data/ksdd_folds/fold{0,1,2}/splits/train_n{0,5,10,15,20,33}.json and
# test.json; fold k is its data_root.  Models take one channel.
_base_ = './mixed-supervision.py'
data_root = 'data/ksdd_folds/fold0'
size = (512, 1408)
train_pipeline = [
    dict(type='LoadDefectImages', color_type='grayscale'),
    dict(type='LoadDefectAnnotations'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='GenerateSegDecTargets', dilation=7, p=2, w_pos=1),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages', color_type='grayscale'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

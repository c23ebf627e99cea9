# KolektorSDD2 (Bozic et al. 2021): 2,331 train (246 defective) / 1,004 test
# colour images of about 230 x 630, resized to 232 x 640 (W x H); masks
# dilated by 15, distance weights p = 2, w_pos = 3 (SegDecNet's KSDD2
# settings, which MFFPA keeps).  tools/dataset_converters/ksdd2.py writes
# splits/train_n{0,16,53,126,246}.json and splits/test.json.
_base_ = './mixed-supervision.py'
data_root = 'data/ksdd2'
size = (232, 640)
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='GenerateSegDecTargets', dilation=15, p=2, w_pos=3),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
dataset = dict(data_root=data_root)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader

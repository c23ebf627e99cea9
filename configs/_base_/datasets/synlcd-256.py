# The small 256x256 SynLCD of the quickstart (`make data-quick`): images are
# generated at the training size, so only flips.
_base_ = './synlcd.py'
data_root = 'data/synlcd_quick'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
train_dataloader = dict(
    batch_size=4, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

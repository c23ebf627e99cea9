# The small 256x256 SynLCD of the quickstart (`make data-quick`): images are
# generated at the training size, so only flips.
_base_ = './synlcd.py'
data_root = 'data/synlcd_quick'
pack_meta_keys = {{_base_.pack_meta_keys}}
train_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
train_dataloader = dict(
    batch_size=4, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

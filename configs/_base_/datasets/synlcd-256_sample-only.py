# synlcd-256.py for single-image models: same samples, no template.
_base_ = './synlcd-256.py'
pack_meta_keys = {{_base_.pack_meta_keys}}
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms={{_base_.tta_transforms}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

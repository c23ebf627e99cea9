# SynLCD for single-image (appearance-based) models: the same samples,
# masks and augmentation, without the template.
_base_ = './synlcd.py'
crop_size = (512, 512)
pack_meta_keys = {{_base_.pack_meta_keys}}
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(1.0, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
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

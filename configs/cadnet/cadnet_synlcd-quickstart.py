# CPU quickstart (README): CADNet on a small 256x256 SynLCD
# (`make data-quick`), a few hundred iterations on 2 CPU cores.
_base_ = './cadnet_synlcd.py'
data_root = 'data/synlcd_quick'
crop_size = (256, 256)
pack_meta_keys = {{_base_.pack_meta_keys}}
train_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='PerImageTransform',
        transforms=[dict(type='PhotoMetricDistortion')],
        independent=True),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=6e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=50, end=500,
         by_epoch=False),
]
train_cfg = dict(max_iters=500, val_interval=500)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=500, max_keep_ckpts=1, save_best=None))

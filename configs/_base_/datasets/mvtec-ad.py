# MVTec-AD (CADNet, Sec. 4.1): the 70/30 random re-split for fully supervised
# training, a defect pixel labelled with its object category (16 classes).
# Convert with:
#   python tools/dataset_converters/mvtec_ad.py MVTEC_ROOT data/mvtec_ad
# The square 700-1024 px images are trained and tested at 512x512, as SynLCD.
dataset_type = 'MVTecADDataset'
data_root = 'data/mvtec_ad'
crop_size = (512, 512)
pack_meta_keys = ('img_path', 'template_path', 'seg_map_path', 'ori_shape',
                  'img_shape', 'pad_shape', 'scale_factor', 'flip',
                  'flip_direction', 'reduce_zero_label')
# The crop covers 50-100 % of the object after a random rescale.
train_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(1.0, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='PerImageTransform',
        transforms=[dict(type='PhotoMetricDistortion')],
        independent=True),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
# Test-time augmentation (tools/test.py --tta): two scales x two flips,
# applied to the stacked pair, averaged by mmseg's SegTTAModel; scales are
# relative to the 512x512 test size.
img_ratios = [1.0, 1.25]
tta_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=(int(512 * r), int(512 * r)),
                  keep_ratio=True) for r in img_ratios],
            [dict(type='RandomFlip', prob=0., direction='horizontal'),
             dict(type='RandomFlip', prob=1., direction='horizontal')],
            [dict(type='LoadDefectAnnotations')],
            [dict(type='PackSegInputs', meta_keys=pack_meta_keys)],
        ])
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/test.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = val_evaluator

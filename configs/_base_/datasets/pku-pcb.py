# PKU-Market-PCB (CADNet, Sec. 4.1): 1000x1000 sample/template/mask crops of
# the six defect types, split 70/30 by source image.
# Convert with:
#   python tools/dataset_converters/pku_pcb.py PCB_DATASET data/pku_pcb
dataset_type = 'PKUPCBDataset'
data_root = 'data/pku_pcb'
crop_size = (512, 512)
pack_meta_keys = ('img_path', 'template_path', 'seg_map_path', 'ori_shape',
                  'img_shape', 'pad_shape', 'scale_factor', 'flip',
                  'flip_direction', 'reduce_zero_label')
# Defects are a few tens of pixels wide, so the rescale stays near the native
# scale.  RandomCrop runs without cat_max_ratio: a defect rarely covers 5 % of
# a 512x512 crop, so its retries would almost never find one that does.
train_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(
        type='RandomResize',
        scale=(1000, 1000),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='PerImageTransform',
        transforms=[dict(type='PhotoMetricDistortion')],
        independent=True),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
# Whole 1000x1000 crops at their native scale.
test_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackSegInputs', meta_keys=pack_meta_keys),
]
# Test-time augmentation (tools/test.py --tta): two scales x two flips,
# applied to the stacked pair, averaged by mmseg's SegTTAModel.
img_ratios = [1.0, 1.25]
tta_pipeline = [
    dict(type='LoadImagePairFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True)
             for r in img_ratios],
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

# Single-image defect datasets in the layout of the KolektorSDD, NEU-Seg and
# Magnetic-tile converters (docs/datasets.md): images/{train,test},
# masks/{train,test} (0/1), splits/{train,test}.txt, already at the
# training size.  The papers keep no validation split (LSA-Net selects the
# best epoch on the test set, checklist T7): validation runs on the test
# split here too, flagged in configs/lsanet/README.md.
# Augmentation of LSA-Net (Sec. 4.3, checklist T5): a random vertical flip,
# then one of hue/saturation, brightness or contrast jitter (mmseg's
# PhotoMetricDistortion restricted to one kind, each applying it with
# probability 1/2); LSA-Net's location target is made after the flip.
# Grey images are read as 3 channels.
dataset_type = 'DefectDataset'
data_root = None
photometric = [
    dict(
        type='PhotoMetricDistortion',
        brightness_delta=0,
        contrast_range=(1.0, 1.0),
        saturation_range=(0.88, 1.12),
        hue_delta=20),
    dict(
        type='PhotoMetricDistortion',
        brightness_delta=51,
        contrast_range=(1.0, 1.0),
        saturation_range=(1.0, 1.0),
        hue_delta=0),
    dict(
        type='PhotoMetricDistortion',
        brightness_delta=0,
        contrast_range=(0.8, 1.2),
        saturation_range=(1.0, 1.0),
        hue_delta=0),
]
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='RandomChoice', transforms=[[t] for t in photometric]),
    dict(type='GenerateLocationMap'),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
tta_pipeline = [
    dict(type='LoadDefectImages'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='vertical'),
            dict(type='RandomFlip', prob=1., direction='vertical')
        ], [dict(type='LoadDefectAnnotations')],
                    [dict(type='PackDefectInputs')]])
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/test.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# LSA-Net's Eqs. 6-8: defect IoU (defect.IoU), Dice (defect.F1) and pixel
# accuracy (aAcc), pooled and per image; image-level AP/AUROC where the
# split holds defect-free images.
val_evaluator = [
    dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore']),
    dict(type='ImageDefectMetric'),
]
test_evaluator = val_evaluator

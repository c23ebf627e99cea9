# The loaders and metrics every data set shares; a data set's base sets its
# type, root, pipelines and batch sizes (docs/train_test.md).  Training reads
# the training split, testing the test split, and validation (best
# checkpoint, calibration) a split of its own that is never the test split:
# the data set's validation split where it ships one, else a seeded,
# stratified 10 % of the training file held out by DefectDataset's
# `holdout`, the training loader keeping the other 90 %.
dataset_type = 'DefectDataset'
# How images are read: 'color' (3 channels) or 'grayscale' (1 channel).  The
# one switch of a grey data set: it also sets the models' input channels and
# normalisation (mmdefect.utils.apply_color_type, applied by the tools after
# --cfg-options).  8- and 16-bit images load alike (16-bit / 257).
color_type = 'color'
data_root = None
holdout = dict(fraction=0.1, seed=0)
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
# Test-time augmentation (tools/test.py --tta) of the data sets with a
# training flip: the image and its flip, applied to the stacked pair and
# averaged by DefectTTAModel; a data set's tta_pipeline wraps these.
tta_flip_transforms = [
    [
        dict(type='RandomFlip', prob=0., direction='horizontal'),
        dict(type='RandomFlip', prob=1., direction='horizontal')
    ],
    [dict(type='LoadDefectAnnotations')],
    [dict(type='PackDefectInputs')],
]
train_split = dict(
    type=dataset_type, data_root=data_root, ann_file='splits/train.txt')
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(train_split, holdout=dict(holdout, part='train')))
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_split, holdout=dict(holdout, part='val'),
        pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        train_split, ann_file='splits/test.txt', pipeline=test_pipeline))
# Pixel metrics (per-class IoU/Fscore, mIoU, pooled defect P/R/F1/F2/IoU) and
# image-level ones (AP, AUROC, F1-max; image score = pred_score).
val_evaluator = [
    dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore']),
    dict(type='ImageDefectMetric'),
]
test_evaluator = val_evaluator

# Image-level defect detection with mixed supervision (SegDecNet / MFFPA):
# every training image has an image label, N defective ones a mask too
# (annotation files splits/<split>_n<N>.json written by the converters or
# tools/dataset_converters/mixed_supervision.py).  An epoch is every
# defective image once and as many defect-free images drawn by frequency of
# use; batch 1; images resized to a fixed size, no augmentation (checklist
# 2.6, 2.7).  A dataset config sets data_root, the annotation files and the
# pipelines (size, channels and the dilation / weights of the pixel targets).
dataset_type = 'DefectDataset'
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='FrequencyOfUseSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file='splits/train_n0.json'))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='splits/test.json'))
test_dataloader = val_dataloader
# The papers' measure is image-level (AP both ways, AUROC, F1-max, FP/FN at
# 0.5); the 1/8 mask is scored too (defect IoU / Dice).
val_evaluator = [
    dict(type='ImageDefectMetric'),
    dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore']),
]
test_evaluator = val_evaluator

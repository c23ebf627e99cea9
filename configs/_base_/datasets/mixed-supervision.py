# Image-level defect detection with mixed supervision (SegDecNet / MFFPA):
# every training image has an image label, N defective ones a mask too
# (annotation files splits/<split>_n<N>.json written by the converters or
# tools/dataset_converters/mixed_supervision.py).  An epoch is every
# defective image once and as many defect-free images drawn by frequency of
# use; batch 1; images resized to a fixed size, no augmentation (MFFPA
# Sec. IV-B and the SegDecNet training it keeps).  A dataset config sets
# data_root and the pipelines (size, channels and the dilation / weights of
# the pixel targets).  Validation holds out 10 % of the training file; the
# files of one data set list the same images and labels whatever N, so
# their parts agree and a config that trains on another N validates on
# that file.
_base_ = './defect.py'
ann_file = 'splits/train_n0.json'
train_dataloader = dict(
    drop_last=True,
    sampler=dict(type='FrequencyOfUseSampler', shuffle=True),
    dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))
test_dataloader = dict(dataset=dict(ann_file='splits/test.json'))
# The papers' measure is image-level (AP both ways, AUROC, F1-max, FP/FN at
# 0.5); the 1/8 mask is scored too (defect IoU / Dice).
val_evaluator = [
    dict(type='ImageDefectMetric'),
    dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore']),
]
test_evaluator = val_evaluator

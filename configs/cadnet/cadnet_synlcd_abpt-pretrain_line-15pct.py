# Table 6: pre-trained on abnormal points (the AA model), fine-tuned on line
# defects with 15 % of the labelled line samples for the paper's fixed
# 126,000 iterations, tested on line.
_base_ = './cadnet_synlcd_abpt2line.py'
load_from = 'work_dirs/cadnet_synlcd_abpt2abpt/iter_126000.pth'
train_dataloader = dict(
    dataset=dict(ann_file='splits/train_line.txt', label_fraction=0.15))
val_evaluator = [
    dict(type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore']),
    dict(type='ImageDefectMetric'),
]
test_evaluator = val_evaluator

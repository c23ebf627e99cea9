# Fig. 6 cross-testing, LA: the LL model tested on abnormal points, every
# predicted defect pixel counted as abpt.
#   python tools/test.py THIS_CONFIG \
#       work_dirs/cadnet_synlcd_line2line/iter_126000.pth
_base_ = './cadnet_synlcd_line2line.py'
val_dataloader = dict(dataset=dict(ann_file='splits/test_abpt.txt'))
test_dataloader = val_dataloader
val_evaluator = [
    dict(
        type='DefectIoUMetric',
        iou_metrics=['mIoU', 'mFscore'],
        tested_class=2),
    dict(type='ImageDefectMetric'),
]
test_evaluator = val_evaluator

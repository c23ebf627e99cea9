# Fig. 6 cross-testing, LA: the LL model tested on abnormal points, every
# predicted defect pixel counted as abpt.
#   python tools/test.py THIS_CONFIG \
#       work_dirs/cadnet_synlcd_line2line/iter_126000.pth
_base_ = './cadnet_synlcd_line2line.py'
test_dataloader = dict(dataset=dict(ann_file='splits/test_abpt.txt'))
test_evaluator = [
    dict(_base_.test_evaluator[0], tested_class=2), _base_.test_evaluator[1]
]

# Fig. 6 cross-testing, AL (paper: IoU 40.5 for CADNet, < 0.5 for
# appearance-based models): the AA model tested on line defects, every
# predicted defect pixel counted as line.  Also Table 6's 0 % column.
#   python tools/test.py THIS_CONFIG \
#       work_dirs/cadnet_synlcd_abpt2abpt/iter_126000.pth
_base_ = './cadnet_synlcd_abpt2abpt.py'
test_dataloader = dict(dataset=dict(ann_file='splits/test_line.txt'))
test_evaluator = [
    dict(_base_.test_evaluator[0], tested_class=1), _base_.test_evaluator[1]
]

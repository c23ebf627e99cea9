# Table 6: pre-trained on abnormal points (the AA model), fine-tuned on line
# defects with 10 % of the labelled line samples for the paper's fixed
# 126,000 iterations, tested on line, every class scored as itself.
_base_ = './cadnet_synlcd_abpt2line.py'
load_from = 'work_dirs/cadnet_synlcd_abpt2abpt/iter_126000.pth'
train_dataloader = dict(
    dataset=dict(ann_file='splits/train_line.txt', label_fraction=0.1))
val_dataloader = dict(dataset=dict(ann_file='splits/train_line.txt'))
test_evaluator = _base_.val_evaluator

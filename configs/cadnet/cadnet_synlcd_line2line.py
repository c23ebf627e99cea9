# Fig. 6 cross-testing, LL: AA's training on line defects (plus the
# defect-free samples), tested on line.  The decoder runs in the
# out-of-class mode (Eq. 13-14) so that the same trained model also serves
# LA.
_base_ = './cadnet_synlcd_abpt2abpt.py'
train_dataloader = dict(dataset=dict(ann_file='splits/train_line.txt'))
val_dataloader = dict(dataset=dict(ann_file='splits/train_line.txt'))
test_dataloader = dict(dataset=dict(ann_file='splits/test_line.txt'))

# Fig. 6 cross-testing, LL: train on line defects (plus the defect-free
# samples), test on line.  The decoder runs in the out-of-class mode
# (Eq. 13-14) so that the same trained model also serves LA.
_base_ = './cadnet_synlcd.py'
model = dict(decode_head=dict(mode='out_of_class'))
train_dataloader = dict(dataset=dict(ann_file='splits/train_line.txt'))
val_dataloader = dict(dataset=dict(ann_file='splits/test_line.txt'))
test_dataloader = val_dataloader

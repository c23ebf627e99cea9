# Fig. 6 cross-testing, AA: train on abnormal points (plus the defect-free
# samples), test on abpt; out-of-class decoder mode as in LL.
_base_ = './cadnet_synlcd.py'
model = dict(decode_head=dict(mode='out_of_class'))
train_dataloader = dict(dataset=dict(ann_file='splits/train_abpt.txt'))
val_dataloader = dict(dataset=dict(ann_file='splits/train_abpt.txt'))
test_dataloader = dict(dataset=dict(ann_file='splits/test_abpt.txt'))

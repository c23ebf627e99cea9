# SegDecNet on SynLCD, N = 140 pixel-labelled defective images.
_base_ = './segdecnet_synlcd-256_n14.py'
ann_file = 'splits/train_nall.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

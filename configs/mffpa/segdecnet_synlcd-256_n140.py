# SegDecNet on SynLCD, N = 140 pixel-labelled defective images.
_base_ = './segdecnet_synlcd-256_n14.py'
train_dataloader = dict(dataset=dict(ann_file='splits/train_nall.json'))

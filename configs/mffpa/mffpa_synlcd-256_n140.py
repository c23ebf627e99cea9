# MFFPA on SynLCD with every defective image pixel-labelled (N = all = 140).
_base_ = './mffpa_synlcd-256_n14.py'
ann_file = 'splits/train_nall.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

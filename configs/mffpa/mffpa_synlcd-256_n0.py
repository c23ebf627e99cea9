# MFFPA on SynLCD with image labels only (N = 0).
_base_ = './mffpa_synlcd-256_n14.py'
ann_file = 'splits/train_n0.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

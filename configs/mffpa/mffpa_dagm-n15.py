# MFFPA on DAGM class 1 with 15 pixel-labelled defective images (Table 2).
_base_ = './mffpa_dagm-n0.py'
ann_file = 'splits/train_n15.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

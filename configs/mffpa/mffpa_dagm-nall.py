# MFFPA on DAGM class 1 with every defective training image pixel-labelled
# (Table 2, N = 1000, i.e. all).
_base_ = './mffpa_dagm-n0.py'
ann_file = 'splits/train_nall.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

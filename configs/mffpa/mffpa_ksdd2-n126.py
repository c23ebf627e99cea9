# MFFPA on KolektorSDD2 with 126 of the 246 defective training images
# pixel-labelled (Table 4, N = 126); dynamic loss balance on.
_base_ = './mffpa_ksdd2-n0.py'
ann_file = 'splits/train_n126.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

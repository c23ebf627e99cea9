# MFFPA on KolektorSDD2 with 246 of the 246 defective training images (all)
# pixel-labelled (Table 4, N = 246); dynamic loss balance on.
_base_ = './mffpa_ksdd2-n0.py'
ann_file = 'splits/train_nall.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

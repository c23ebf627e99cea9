# MFFPA on KolektorSDD fold 0 with 20 pixel-labelled defective images
# (Table 1, N = 20); dynamic loss balance on.
_base_ = './mffpa_ksdd-n0.py'
ann_file = 'splits/train_n20.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

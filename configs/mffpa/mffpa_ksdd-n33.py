# MFFPA on KolektorSDD fold 0 with every defective training image
# pixel-labelled (Table 1, N = 33: the reference's TRAIN_NUM, all positives
# of a fold's 33 training commutators).
_base_ = './mffpa_ksdd-n0.py'
ann_file = 'splits/train_nall.json'
train_dataloader = dict(dataset=dict(ann_file=ann_file))
val_dataloader = dict(dataset=dict(ann_file=ann_file))

# MFFPA on Severstal with all 750 defective training images pixel-labelled
# (Table 3, N = 750).
_base_ = './mffpa_severstal-n0.py'
train_dataloader = dict(dataset=dict(ann_file='splits/train_nall.json'))

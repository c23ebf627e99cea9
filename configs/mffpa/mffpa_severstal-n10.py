# MFFPA on Severstal with 10 pixel-labelled defective images (Table 3).
_base_ = './mffpa_severstal-n0.py'
train_dataloader = dict(dataset=dict(ann_file='splits/train_n10.json'))

# PKU-Market-PCB (CADNet, Sec. 4.1): 1000x1000 sample/template/mask crops of
# the six defect types, split 70/30 by source image; the overlapping crops of
# one source image (<image>_<y>_<x>.png) stay together in the validation
# holdout too.  Convert with:
#   python tools/dataset_converters/pku_pcb.py PCB_DATASET data/pku_pcb
_base_ = './synlcd.py'
crop_size = (512, 512)
# SynLCD's pipelines with two changes.  Defects are a few tens of pixels
# wide, so the rescale stays near the native scale.  RandomCrop runs without
# cat_max_ratio: a defect rarely covers 5 % of a 512x512 crop, so its
# retries would almost never find one that does.
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(
        _base_.train_pipeline[2], scale=(1000, 1000), ratio_range=(0.75, 1.5)),
    dict(type='RandomCrop', crop_size=crop_size),
    *_base_.train_pipeline[4:],
]
# Whole 1000x1000 crops at their native scale: no test resize.
test_pipeline = [t for t in _base_.test_pipeline if t.type != 'Resize']
holdout = dict(group=r'([^/]+)_\d+_\d+\.png$')
dataset = dict(type='PKUPCBDataset', data_root='data/pku_pcb')
train_dataloader = dict(
    dataset=dict(dataset, holdout=holdout, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, holdout=holdout, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))

# PKU-Market-PCB (CADNet, Sec. 4.1): 1000x1000 sample/template/mask crops of
# the six defect types, split 70/30 by source image.  Convert with:
#   python tools/dataset_converters/pku_pcb.py PCB_DATASET data/pku_pcb
_base_ = './synlcd.py'
crop_size = (512, 512)
# Defects are a few tens of pixels wide, so the rescale stays near the native
# scale.  RandomCrop runs without cat_max_ratio: a defect rarely covers 5 % of
# a 512x512 crop, so its retries would almost never find one that does.
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(
        type='RandomResize',
        scale=(1000, 1000),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDefectInputs'),
]
# Whole 1000x1000 crops at their native scale.
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
dataset = dict(type='PKUPCBDataset', data_root='data/pku_pcb')
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader

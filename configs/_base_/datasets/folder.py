# Your own images, converted by tools/dataset_converters/folder.py (class
# folders, a label file or template/sample pairs; docs/tutorials/
# own_data.md) into data/own: splits/{train,val,test}.json with the images
# at one size, masks where there are any, an image label for every image
# and, for paired models, templates.  The converter's seeded stratified
# split has a validation part of its own, so nothing is held out here.  A
# defect-free image without a mask trains as all background; a defective
# one without a mask (label only) is ignored by pixel losses and metrics
# and scored by the image-level ones.  Another folder: --cfg-options
# train_dataloader.dataset.data_root=... (and val_, test_).
_base_ = './defect.py'
# Images are read grey, one channel from the loader to the model
# (mmdefect.utils.apply_color_type).  Colour images: --cfg-options
# color_type=color on every tool (the converter says when a folder has them).
color_type = 'grayscale'
data_root = 'data/own'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDefectInputs'),
]
dataset = dict(data_root=data_root, holdout=None)
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        dataset, ann_file='splits/train.json', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, ann_file='splits/val.json'))
test_dataloader = dict(dataset=dict(dataset, ann_file='splits/test.json'))

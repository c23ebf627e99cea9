# Your own images (configs/_base_/datasets/folder.py's data/own) for the
# mixed-supervision models (MFFPA, SegDecNet): every image trains the
# image-level decision, the masked ones the segmentation too; an epoch is
# every defective image once and as many defect-free ones drawn by
# frequency of use, batch 1.  SegDecNet targets with SynLCD's settings for
# thin defects (dilation 3, p 2, w_pos 3; KolektorSDD2 uses 15, 2, 3).
_base_ = './mixed-supervision.py'
# Grey images, as configs/_base_/datasets/folder.py reads them; colour
# images: --cfg-options color_type=color.
color_type = 'grayscale'
data_root = 'data/own'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='GenerateSegDecTargets', dilation=3, p=2, w_pos=3),
    dict(type='PackDefectInputs'),
]
dataset = dict(data_root=data_root, holdout=None)
train_dataloader = dict(
    dataset=dict(
        dataset, ann_file='splits/train.json', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, ann_file='splits/val.json'))
test_dataloader = dict(dataset=dict(dataset, ann_file='splits/test.json'))

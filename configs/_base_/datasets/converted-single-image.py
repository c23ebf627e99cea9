# Single-image defect datasets in the layout of the KolektorSDD, NEU-Seg and
# Magnetic-tile converters (docs/datasets.md): images/{train,test},
# masks/{train,test} (0/1), splits/{train,test}.txt, already at the
# training size.  LSA-Net splits its data into training and test sets only
# (Table 4); validation holds out 10 % of the training split here
# (configs/_base_/datasets/defect.py).
# Augmentation of LSA-Net (Sec. 4.3): a random vertical flip, then one of
# hue/saturation, brightness or contrast jitter (mmseg's
# PhotoMetricDistortion restricted to one kind, each applying it with
# probability 1/2); LSA-Net's location target is made after the flip.
# Grey images are read as 3 channels.
_base_ = './defect.py'
no_jitter = dict(
    type='PhotoMetricDistortion',
    brightness_delta=0,
    contrast_range=(1.0, 1.0),
    saturation_range=(1.0, 1.0),
    hue_delta=0)
photometric = [
    dict(no_jitter, saturation_range=(0.88, 1.12), hue_delta=20),
    dict(no_jitter, brightness_delta=51),
    dict(no_jitter, contrast_range=(0.8, 1.2)),
]
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='RandomChoice', transforms=[[t] for t in photometric]),
    dict(type='GenerateLocationMap'),
    dict(type='PackDefectInputs'),
]
# The base's flip test-time augmentation, vertical as the training flip.
tta_pipeline = [
    dict(type='LoadDefectImages'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(flip, direction='vertical')
            for flip in _base_.tta_flip_transforms[0]
        ], *_base_.tta_flip_transforms[1:]])
]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8)
test_dataloader = val_dataloader
# LSA-Net's Eqs. 6-8 are defect IoU (defect.IoU), Dice (defect.F1) and pixel
# accuracy (aAcc), pooled and per image (the base's metrics).

# SynLCD (CADNet, Sec. 4.1): sample/template/mask triples at 512x512, split
# by display pattern (7 training patterns, 3 unseen test patterns).
# Generate with: python tools/dataset_converters/synlcd.py data/synlcd
# SynLCD has no validation split: validation holds out 10 % of the training
# patterns' samples (configs/_base_/datasets/defect.py).
_base_ = './defect.py'
dataset_type = 'SynLCDDataset'
data_root = 'data/synlcd'
crop_size = (512, 512)
# The paper trains at 512x512 "with random crop, flip and colour
# normalising"; the crop covers 50-100 % of the screen after a random rescale.
# No photometric distortion: the generator's global change (brightness,
# contrast, ISO noise, RGB deviation) already varies every sample, and an
# independent distortion of sample and template slowed learning on CPU runs
# (line IoU 9 vs 29 after 400 iterations).  A distortion for paired data is
# wrapped in PerImageTransform (docs/data_layout.md).
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(1.0, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]
# Test-time augmentation (tools/test.py --tta): two scales x the base's two
# flips.
img_ratios = [1.0, 1.25]
tta_pipeline = [
    dict(type='LoadDefectImages'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in img_ratios
        ], *_base_.tta_flip_transforms])
]
dataset = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader

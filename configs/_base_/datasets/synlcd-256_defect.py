# The 256x256 SynLCD as a binary defect dataset for single-image binary
# models (LSA-Net): line (1) and abnormal point (2) both become defect (1).
# The template is loaded but a num_images=1 model drops it.  The training
# pipeline adds LSA-Net's location target after the flip.
_base_ = './synlcd-256.py'
dataset_type = 'DefectDataset'
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='GenerateLocationMap'),
    dict(type='PackDefectInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, mask_value_map={2: 1}, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type, mask_value_map={2: 1}))
test_dataloader = val_dataloader

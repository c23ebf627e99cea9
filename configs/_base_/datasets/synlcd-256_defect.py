# The 256x256 SynLCD as a binary defect dataset: line (1) and abnormal point
# (2) both become defect (1), so that every model of the leaderboard
# (tools/analysis_tools/leaderboard.py) is scored on the same task; the
# one-logit models (BANet, BGNet, LSA-Net) need it.  A single-image model
# (num_images=1) drops the template.  The training pipeline adds BANet's
# edge target and LSA-Net's location target after the flip; other models
# leave them unused.
_base_ = './synlcd-256.py'
dataset_type = 'DefectDataset'
train_pipeline = [
    *_base_.train_pipeline[:-1],
    dict(type='GenerateEdgeMap'),
    dict(type='GenerateLocationMap'),
    dict(type='PackDefectInputs'),
]
dataset = dict(type=dataset_type, mask_value_map={2: 1})
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader

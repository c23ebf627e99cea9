# The small 256x256 SynLCD of the quickstart (`make data-quick`): images are
# generated at the training size, so SynLCD's pipelines without the rescale,
# crop and resize.
_base_ = './synlcd.py'
data_root = 'data/synlcd_quick'
train_pipeline = [
    t for t in _base_.train_pipeline
    if t.type not in ('RandomResize', 'RandomCrop')
]
test_pipeline = [t for t in _base_.test_pipeline if t.type != 'Resize']
dataset = dict(data_root=data_root)
train_dataloader = dict(
    batch_size=4, dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader

# A real OCD-like data set of template/sample/mask triples in folders, one
# file name per pair (BANet's OCDs layout as the group's code reads it):
#   data/ocd/{train,val,test}/sample/<name>.png
#   data/ocd/{train,val,test}/template/<name>.png
#   data/ocd/{train,val,test}/mask/<name>.png      (0/255 binary masks)
# Images of any size are resized to 256x256 (BANet's input), masks with
# nearest interpolation; the masks' 255 is mapped to the defect class.
_base_ = './synocd-256.py'
dataset_type = 'DefectDataset'
data_root = 'data/ocd'
crop_size = (256, 256)
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='GenerateEdgeMap'),
    dict(type='PackDefectInputs'),
]
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs'),
]

dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='',
    mask_value_map={255: 1})
folders = {
    split:
    dict(
        img_path=f'{split}/sample',
        template_path=f'{split}/template',
        seg_map_path=f'{split}/mask')
    for split in ('train', 'val', 'test')
}
train_dataloader = dict(
    dataset=dict(
        dataset, data_prefix=folders['train'], pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, data_prefix=folders['val'], pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(dataset, data_prefix=folders['test'], pipeline=test_pipeline))

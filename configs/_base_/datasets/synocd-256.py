# SynOCD (misaligned template/sample pairs of optical-communication devices,
# the OCDs-like data of BANet and BGNet) at 256x256, binary masks.  Random
# 6:2:2 split per defect kind (551 / 183 / 184 pairs), whose validation part
# validates; the held-out-batch split is annotations/batch_{train,val,test}
# .json and the misalignment sweep annotations/sweep_tXX_rYY.json.
# Generate with: python tools/dataset_converters/synocd.py data/synocd
_base_ = './defect.py'
dataset_type = 'SynOCDDataset'
data_root = 'data/synocd'
# Images are generated at 256x256 (BANet/BGNet's input size); a paired flip
# is the only augmentation.  The Canny edges of the mask, made after the
# flip, are BANet's FEAM target (Eq. 6), the filled bounding rectangles of
# the defects LSA-Net's location target; other models leave gt_edge_map and
# gt_loc_map unused.
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='GenerateEdgeMap'),
    dict(type='GenerateLocationMap'),
    dict(type='PackDefectInputs'),
]
# Testing also packs each sample's recorded pose against its template, for
# PoseErrorHook.
meta_keys = ('img_path', 'template_path', 'seg_map_path', 'ori_shape',
             'img_shape', 'pad_shape', 'scale_factor', 'flip',
             'flip_direction', 'reduce_zero_label', 'pose')
test_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs', meta_keys=meta_keys),
]
tta_pipeline = [
    dict(type='LoadDefectImages'),
    dict(
        type='TestTimeAug',
        transforms=_base_.tta_flip_transforms[:-1] +
        [[dict(type='PackDefectInputs', meta_keys=meta_keys)]])
]
dataset = dict(
    type=dataset_type,
    data_root=data_root,
    holdout=None,
    pipeline=test_pipeline)
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        dataset, ann_file='annotations/train.json', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, dataset=dict(dataset, ann_file='annotations/val.json'))
test_dataloader = dict(
    batch_size=8, dataset=dict(dataset, ann_file='annotations/test.json'))
# Every pair is defective (as in OCDs), so image-level metrics are
# undefined; the defect class is scored as BANet/BGNet do (pooled P/R/F1/F2/
# IoU, per-image IoU).
val_evaluator = dict(
    _delete_=True, type='DefectIoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = dict(val_evaluator)

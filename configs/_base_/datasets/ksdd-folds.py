# KolektorSDD in SegDecNet's 3-fold protocol (MFFPA Table 1): KSDD2's
# pipelines on grey images resized to 512 x 1408 (W x H), masks dilated by
# 7, distance weights p = 2, w_pos = 1 (SegDecNet's KSDD settings).
# tools/dataset_converters/ksdd_folds.py writes data/ksdd_folds/fold{0,1,2}/
# splits/train_n{0,5,10,15,20,33}.json and test.json; fold k is its
# data_root.  Grey images: models take one channel.  The folds split by
# commutator (kosNN), and so does the validation holdout.
_base_ = './ksdd2.py'
data_root = 'data/ksdd_folds/fold0'
color_type = 'grayscale'
size = (512, 1408)
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(_base_.train_pipeline[2], scale=size),
    dict(_base_.train_pipeline[3], dilation=7, w_pos=1),
    _base_.train_pipeline[4],
]
test_pipeline = [
    _base_.test_pipeline[0],
    dict(_base_.test_pipeline[1], scale=size),
    *_base_.test_pipeline[2:],
]
holdout = dict(group=r'kos\d+')
dataset = dict(data_root=data_root)
train_dataloader = dict(
    dataset=dict(dataset, holdout=holdout, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, holdout=holdout, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))

# KolektorSDD (KSDD): 500x500 windows of the defective images resized to
# 512x512, 147 train / 49 test split by source image (LSA-Net Table 4;
# tools/dataset_converters/ksdd.py).  The overlapping windows of one source
# image (kosNN_PartK_<top row>) stay together in the validation holdout too.
_base_ = './converted-single-image.py'
data_root = 'data/ksdd'
holdout = dict(group=r'(kos\d+_Part\d+)_\d+\.png$')
train_dataloader = dict(dataset=dict(data_root=data_root, holdout=holdout))
val_dataloader = dict(dataset=dict(data_root=data_root, holdout=holdout))
test_dataloader = dict(dataset=dict(data_root=data_root))

# KolektorSDD (KSDD): 500x500 windows of the defective images resized to
# 512x512, 147 train / 49 test split by source image (LSA-Net Table 4;
# tools/dataset_converters/ksdd.py).
_base_ = './converted-single-image.py'
data_root = 'data/ksdd'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

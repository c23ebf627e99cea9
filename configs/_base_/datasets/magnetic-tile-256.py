# Magnetic-tile defects (5 classes) at 256x256, 341 train / 51 test stratified
# by class (LSA-Net Table 4; tools/dataset_converters/magnetic_tile.py).
_base_ = './converted-single-image.py'
data_root = 'data/magnetic_tile'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

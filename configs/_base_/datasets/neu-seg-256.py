# NEU-Seg (SD-saliency-900 inclusion + scratches) at 256x256, 480 train / 120
# test (LSA-Net Table 4; tools/dataset_converters/neu_seg.py).
_base_ = './converted-single-image.py'
data_root = 'data/neu_seg'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

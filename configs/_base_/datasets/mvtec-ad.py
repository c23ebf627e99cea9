# MVTec-AD (CADNet, Sec. 4.1): the 70/30 random re-split for fully supervised
# training, a defect pixel labelled with its object category (16 classes);
# each sample is paired with a `good` image of its category.  Convert with:
#   python tools/dataset_converters/mvtec_ad.py MVTEC_ROOT data/mvtec_ad
# The square 700-1024 px images are trained and tested at 512x512 with
# SynLCD's pipelines.
_base_ = './synlcd.py'
dataset = dict(type='MVTecADDataset', data_root='data/mvtec_ad')
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader

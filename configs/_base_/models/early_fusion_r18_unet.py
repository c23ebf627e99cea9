# Early-fusion baseline: sample and template concatenated to 6 channels and
# segmented by one ResNet-18 U-Net (the "concat" baseline the papers compare
# Siamese networks with, e.g. BANet Table II).
_base_ = './siamese_r18_unet.py'
model = _base_.early_fusion

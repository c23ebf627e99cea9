# Table 8, row 1 ("Base") on the SynOCD sample: the plain VGG-block U-Net
# (32-512) without LAM, SDM and FEM, segmentation loss alone (1.4 BCE-Dice).
_base_ = './lsanet_synocd-256.py'
model = _base_.table8_unet

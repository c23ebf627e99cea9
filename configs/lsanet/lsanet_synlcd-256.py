# LSA-Net (full: LAM + SDM + FEM; losses 1.4 / 0.4 / 0.2) on the sample of
# the 256x256 SynLCD, line and abnormal point merged into one defect class,
# so that it can be compared with the paired models on their data.  Also
# Table 8's last row for the CPU ladder (configs/lsanet/README.md).
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/synlcd-256_defect.py',
    '../_base_/schedules/schedule_lsanet.py'
]
# Epochs of batch 16 (Sec. 4.3), the last incomplete batch dropped.
train_dataloader = _base_.epoch_loader

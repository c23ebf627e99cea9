# LSA-Net (LAM + SDM + FEM; losses 1.4 / 0.4 / 0.2) on Magnetic-tile at 256x256
# (Table 5; 21 iterations per epoch, 10,500 in all): SGD 1e-3, cosine to 1e-5
# over 500 epochs of batch 16.
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/magnetic-tile-256.py',
    '../_base_/schedules/schedule_lsanet.py'
]
# Epochs of batch 16 (Sec. 4.3), the last incomplete batch dropped.
train_dataloader = _base_.epoch_loader

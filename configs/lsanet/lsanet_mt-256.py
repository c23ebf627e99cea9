# LSA-Net (LAM + SDM + FEM; losses 1.4 / 0.4 / 0.2) on Magnetic-tile at 256x256
# (Table 5; 21 iterations per epoch, 10,500 in all): SGD 1e-3, cosine to 1e-5
# over 500 epochs of batch 16.
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/magnetic-tile-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_lsanet.py'
]
# Batch 16, last incomplete batch dropped, epochs (checklist T3).
train_dataloader = dict(
    batch_size=16,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
log_processor = dict(by_epoch=True)

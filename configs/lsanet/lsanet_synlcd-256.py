# LSA-Net (full: LAM + SDM + FEM; losses 1.4 / 0.4 / 0.2) on the sample of
# the 256x256 SynLCD, line and abnormal point merged into one defect class,
# so that it can be compared with the paired models on their data.  Also
# Table 8's last row for the CPU ladder (configs/lsanet/README.md).
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/synlcd-256_defect.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_lsanet.py'
]
# Batch 16, last incomplete batch dropped, epochs (checklist T3).
train_dataloader = dict(
    batch_size=16,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
log_processor = dict(by_epoch=True)

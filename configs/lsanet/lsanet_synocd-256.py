# LSA-Net on the sample of SynOCD 256x256 (the template is dropped): the
# appearance-based single-image rival of BANet and BGNet on misaligned
# pairs.
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/synocd-256.py',
    '../_base_/schedules/schedule_lsanet.py'
]
# Epochs of batch 16 (Sec. 4.3), the last incomplete batch dropped.
train_dataloader = _base_.epoch_loader

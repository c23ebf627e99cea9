# LSA-Net on the sample of SynOCD 256x256 (the template is dropped): the
# appearance-based single-image rival of BANet and BGNet on misaligned
# pairs.
_base_ = [
    '../_base_/models/lsanet.py', '../_base_/datasets/synocd-256.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_lsanet.py'
]
# Batch 16, last incomplete batch dropped, epochs (checklist T3).
train_dataloader = dict(
    batch_size=16,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
log_processor = dict(by_epoch=True)

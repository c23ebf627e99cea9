# MFFPA on the sample of SynOCD 256x256 (the template is dropped): the
# leaderboard's single-image rival on misaligned pairs.  Every SynOCD pair is
# defective, so every image is pixel-labelled (N = all) and the decision
# network only ever sees positives; the segmentation is what is scored.
# SegDecNet targets as on SynLCD (dilation 3, p 2, w_pos 3); batch 1, no
# augmentation, epochs (SegDecNet's training).
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/synocd-256.py',
    '../_base_/schedules/schedule_mffpa.py'
]
train_pipeline = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='GenerateSegDecTargets', dilation=3, p=2, w_pos=3),
    dict(type='PackDefectInputs'),
]
train_dataloader = dict(
    batch_size=1,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
train_cfg = dict(max_epochs=20, val_interval=5)

# MFFPA Tables 5-8 "Baseline": SegDecNet re-run by the MFFPA authors on
# KolektorSDD2, N = 0 (AP 74.51, AUC 89.49).  Other N: --cfg-options
# {train,val}_dataloader.dataset.ann_file=splits/train_n<N>.json
_base_ = [
    '../_base_/models/segdecnet.py', '../_base_/datasets/ksdd2.py',
    '../_base_/schedules/schedule_mffpa.py'
]

# MFFPA on KolektorSDD, fold 0 of SegDecNet's 3 commutator folds, image
# labels only (N = 0; Table 1: AP 94.72, the mean of the 3 folds).  Grey
# input at 512 x 1408, SGD lr 0.01, 50 epochs (Sec. IV-B), theta 1.
# Other folds: --cfg-options {train,val,test}_dataloader.dataset.data_root=
# data/ksdd_folds/fold1 (or fold2); average the folds with
# tools/analysis_tools/aggregate_results.py.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/ksdd-folds.py',
    '../_base_/schedules/schedule_mffpa.py'
]

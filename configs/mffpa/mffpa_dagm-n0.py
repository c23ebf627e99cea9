# MFFPA on DAGM 2007 class 1, image labels only (N = 0; Table 2: AP 82.9,
# the mean of the 10 classes).  Grey 512 x 512 input, SGD lr 0.05, 70 epochs
# (Sec. IV-B), theta 1.  Other classes: --cfg-options
# {train,val,test}_dataloader.dataset.data_root=data/dagm/class<k>; average
# them with tools/analysis_tools/aggregate_results.py.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/dagm.py',
    '../_base_/schedules/schedule_mffpa.py'
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=70)

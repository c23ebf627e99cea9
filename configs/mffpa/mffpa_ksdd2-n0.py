# MFFPA on KolektorSDD2 with image labels only (N = 0; Table 4 / Table 5
# first row: AP 88.01, AUC 93.87): the dynamic loss balance is off without
# pixel-labelled defective images.  SGD lr 0.01, 50 epochs of 492 images,
# batch 1 (Sec. IV-B), theta 1.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/ksdd2.py',
    '../_base_/schedules/schedule_mffpa.py'
]

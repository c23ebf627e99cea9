# BGNet's training (Sec. 4.1.2): BANet's recipe (Adam, constant lr, no
# weight decay) with lr "10e-5" read as 1e-5 (bgnet_r34_synocd-256_lr1e-4.py
# is the other reading) and batch 8.  No schedule, weight decay or length
# stated besides the 500-epoch convergence study, where the test IoU peaks
# near epoch 200 and the validation split selects the model: 500 epochs of
# 551 pairs (34,500 iterations), validation every 10 epochs, best defect IoU
# kept.
_base_ = './schedule_banet.py'
train_cfg = dict(max_iters=34500, val_interval=690)
default_hooks = dict(checkpoint=dict(interval=690))

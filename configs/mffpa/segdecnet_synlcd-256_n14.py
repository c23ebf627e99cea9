# SegDecNet, MFFPA's baseline, on SynLCD with 14 of 140 defective images
# pixel-labelled; the same data and schedule as mffpa_synlcd-256_n14.py.
_base_ = [
    '../_base_/models/segdecnet.py', '../_base_/datasets/synlcd-256_mixed.py',
    '../_base_/schedules/schedule_mffpa.py'
]
train_cfg = dict(max_epochs=20, val_interval=5)

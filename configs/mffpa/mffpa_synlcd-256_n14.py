# MFFPA on the 256 x 256 SynLCD quick set, sample only, as image-level
# inspection: image labels for all 280 training images, masks for 14 of the
# 140 defective ones (10 %).  The annotation files come from
#   python tools/dataset_converters/mixed_supervision.py data/synlcd_quick \
#       splits/train.txt --num 0 10% all --mask-value-map 2:1
# Test: the 120 images of the unseen patterns.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/synlcd-256_mixed.py',
    '../_base_/schedules/schedule_mffpa.py'
]
train_cfg = dict(max_epochs=20, val_interval=5)

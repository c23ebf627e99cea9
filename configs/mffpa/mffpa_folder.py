# MFFPA on your own images (data/own, written by
# tools/dataset_converters/folder.py; docs/tutorials/own_data.md): image
# labels for every image, masks where there are any (mixed supervision,
# Eq. 4, Sec. III-E), SegDecNet's training (Sec. IV-B: SGD lr 0.01, batch 1,
# 50 epochs; tools/train.py --iters N or --epochs N changes it).
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/folder_mixed.py',
    '../_base_/schedules/schedule_mffpa.py'
]

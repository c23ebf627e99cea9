# MFFPA on your own images (data/own, written by
# tools/dataset_converters/folder.py; docs/tutorials/own_data.md): image
# labels for every image, masks where there are any (mixed supervision,
# Eq. 4, Sec. III-E), SegDecNet's training (Sec. IV-B: SGD lr 0.01, batch 1,
# 50 epochs; tools/train.py --iters N or --epochs N changes it).  The
# checkpoint with the best validation trapezoid AP is kept (SegDecNet's
# reference practice, as for Severstal): an image metric, which a validation
# split of label-only defective images reports too, where it has no pixel
# metric.
_base_ = [
    '../_base_/models/mffpa.py', '../_base_/datasets/folder_mixed.py',
    '../_base_/schedules/schedule_mffpa.py'
]
default_hooks = dict(
    checkpoint=dict(save_best='image/AP_trapz', rule='greater'))
# Test panels (tools/test.py --show-dir) at tools/infer.py's tile height,
# whatever the image size, so that the titles (score, decision, image
# label) fit on small images.
visualizer = dict(panel_height=256)

# Siamese difference on your own template/sample pairs (data/own, written by
# tools/dataset_converters/folder.py; docs/tutorials/own_data.md), with the
# CPU-sized 500-iteration schedule (tools/train.py --iters N changes it).
# One defect logit trained by class-balanced BCE (BinaryFocalLoss with
# gamma 0, defect pixels weighted 0.9, as in the BANet ablation at a CPU
# budget): defects cover few pixels, and the loss skips the ignored pixels
# of label-only images and of padding, which mmseg's class-weighted
# cross-entropy cannot (it indexes its weights by the ignore value).
_base_ = [
    '../_base_/models/siamese_r18_unet.py', '../_base_/datasets/folder.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]
model = dict(
    decode_head=dict(
        _base_.one_logit_head,
        loss_decode=dict(
            _delete_=True, type='BinaryFocalLoss', alpha=0.9, gamma=0.0)))
# Test panels (tools/test.py --show-dir) at tools/infer.py's tile height,
# whatever the image size, so that the titles (score, decision, image
# label) fit on small images.
visualizer = dict(panel_height=256)

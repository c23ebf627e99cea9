"""The configs for your own images (``configs/_base_/datasets/folder.py``,
``folder_mixed.py``; docs/tutorials/own_data.md): grey images by default,
colour by one option, and a best-checkpoint rule that a validation split of
label-only defective images (no mask, so no pixel metric) can answer."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from mmdefect.datasets import DefectDataset
from mmdefect.utils import apply_color_type, input_channels
from mmdefect.utils.complexity import run_inference_path

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
IGNORE = 255


def load(name, **options):
    cfg = Config.fromfile(osp.join(REPO, name))
    cfg.merge_from_dict(options)
    return apply_color_type(cfg)


def _reads_own_folder(path):
    cfg = Config.fromfile(path)
    return cfg.get('val_dataloader', {}).get('dataset',
                                             {}).get('data_root') == 'data/own'


FOLDER_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in p and _reads_own_folder(p))


def test_the_folder_configs_are_found():
    assert FOLDER_CONFIGS == [
        'configs/baselines/siamese_r18_unet_folder.py',
        'configs/mffpa/mffpa_folder.py'
    ]


def _image_loaders(cfg):
    return [
        transform for split in ('train', 'val', 'test')
        for transform in cfg[f'{split}_dataloader'].dataset.pipeline
        if transform.type == 'LoadDefectImages'
    ]


@pytest.mark.parametrize('name', FOLDER_CONFIGS)
@pytest.mark.parametrize('color_type, channels', [('grayscale', 1),
                                                  ('color', 3)])
def test_grey_by_default_colour_by_one_option(name, color_type, channels):
    options = {} if color_type == 'grayscale' else dict(color_type='color')
    cfg = load(name, **options)
    loaders = _image_loaders(cfg)
    assert len(loaders) == 3
    assert {t.color_type for t in loaders} == {color_type}
    preprocessor = cfg.model.data_preprocessor
    assert preprocessor.get('channels', 3) == channels
    assert len(preprocessor.mean) == len(preprocessor.std) == channels
    # The model takes that many channels per image, sample and template.
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    model = MODELS.build(cfg.model)
    inputs = torch.randn(1, input_channels(cfg), 64, 64)
    assert inputs.shape[1] == channels * preprocessor.get('num_images', 1)
    with torch.no_grad():
        logits = run_inference_path(model, inputs)
    assert logits.shape[0] == 1 and torch.isfinite(logits).all()


def _samples(masked):
    """Four validation predictions of 8x8 images: two defect-free (an
    all-background mask made from the label), two defective, label-only
    (every pixel ignored) unless ``masked`` gives the last one a mask."""
    samples = []
    for index, (label, score) in enumerate([(0, 0.1), (0, 0.6), (1, 0.7),
                                            (1, 0.9)]):
        gt = torch.zeros(1, 8, 8, dtype=torch.long)
        if label:
            gt[:] = IGNORE
        if masked and index == 3:
            gt[:] = 0
            gt[:, 2:5, 2:5] = 1
        pred = torch.zeros(1, 8, 8, dtype=torch.long)
        pred[:, 2:6, 2:6] = int(score > 0.5)
        samples.append(
            dict(
                img_path=f'{index}.png',
                pred_sem_seg=dict(data=pred),
                gt_sem_seg=dict(data=gt),
                pred_score=score,
                gt_label=label))
    return samples


def _validate(cfg, masked):
    init_default_scope('mmseg')
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = dict(DefectDataset.METAINFO)
    samples = _samples(masked)
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


@pytest.mark.parametrize('name', FOLDER_CONFIGS)
def test_best_checkpoint_rule_is_answered_without_masks(name):
    """A best-checkpoint key must be one a label-only validation reports:
    mmengine's CheckpointHook fails on a key the metrics lack."""
    cfg = load(name)
    label_only = _validate(cfg, masked=False)
    assert not any(
        key.startswith('defect.') or key == 'mIoU'
        for key in label_only), label_only
    # Scores 0.7 and 0.9 of the defective images above 0.1 and 0.6.
    assert label_only['image/AP'] == label_only['image/AUROC'] == 100.0
    masked = _validate(cfg, masked=True)
    assert masked['defect.masked_images'] == 3.0
    # The mask's 9 pixels inside the 4x4 prediction; 7 false positives
    # around them and 16 on the good image scored 0.6.
    assert masked['defect.IoU'] == pytest.approx(100 * 9 / 32, abs=0.01)
    save_best = cfg.default_hooks.checkpoint.get('save_best')
    if save_best is None:
        # Validated once, at the end of training: the last checkpoint.
        assert cfg.train_cfg.val_interval == cfg.train_cfg.max_iters
        return
    for key in [save_best] if isinstance(save_best, str) else save_best:
        assert key.startswith('image/'), key
        assert key in label_only and key in masked


def test_mffpa_keeps_its_best_validation_ap():
    cfg = load('configs/mffpa/mffpa_folder.py')
    assert cfg.default_hooks.checkpoint.save_best == 'image/AP_trapz'
    assert cfg.default_hooks.checkpoint.rule == 'greater'

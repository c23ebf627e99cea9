"""Every shipped config resolves, finds its data, validates on a split that
is not the test split, builds its model and optimiser, and runs a few
training iterations."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmseg.registry import DATASETS, HOOKS, MODELS

from mmdefect.utils import apply_color_type, input_channels
from mmdefect.visualization import DefectVisualizer

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in p)


def random_batch(model, channels, classes, num=2, size=64):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for _ in range(num):
        gt = torch.randint(0, classes, (1, size, size))
        edge = torch.randint(0, 2, (1, size, size))
        loc = torch.randint(0, 2, (1, size, size))
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=gt),
            gt_edge_map=PixelData(data=edge),
            gt_loc_map=PixelData(data=loc),
            gt_dilated_map=PixelData(data=(gt > 0).float()),
            gt_weight_map=PixelData(data=torch.rand(1, size, size)))
        sample.set_field(torch.tensor(int((gt > 0).any())), 'gt_label')
        sample.set_metainfo(
            dict(img_shape=(size, size), ori_shape=(size, size)))
        samples.append(sample)
    inputs = [
        torch.randint(0, 256, (channels, size, size)).byte()
        for _ in range(num)
    ]
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)


def write_mixed_annotation(root, dataset_cfg):
    """Write the mixed-supervision file ``splits/<split>_n<N>.json`` a
    config names into the tiny generated dataset, with at most N masks."""
    from mmdefect.datasets.converters.mixed_supervision import (
        labelled_samples, mixed_data_list, write_annotation)
    name = osp.basename(dataset_cfg.ann_file)
    match = re.fullmatch(r'(\w+)_n(\d+|all)\.json', name)
    if match is None or osp.exists(osp.join(root, dataset_cfg.ann_file)):
        return
    samples = labelled_samples(
        str(root),
        f'splits/{match.group(1)}.txt',
        mask_value_map=dataset_cfg.get('mask_value_map'))
    positives = sum(s['gt_label'] for s in samples)
    write_annotation(
        osp.join(root, dataset_cfg.ann_file),
        mixed_data_list(
            samples, 'all' if match.group(2) == 'all' else min(
                int(match.group(2)), positives), 0))


def test_configs_are_found():
    assert len(CONFIGS) >= 15


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_trains(path, synlcd_root, synocd_root):
    # As the tools read it: the colour type applied.
    cfg = apply_color_type(Config.fromfile(osp.join(REPO, path)))
    roots = dict(synlcd=synlcd_root, synocd=synocd_root)
    data_root = roots.get(
        osp.basename(cfg.train_dataloader.dataset.get('data_root',
                                                      '')).split('_')[0])
    if data_root is not None:
        paths = {}
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            dataset_cfg = cfg[loader].dataset
            dataset_cfg.data_root = str(data_root)
            write_mixed_annotation(data_root, dataset_cfg)
            dataset = DATASETS.build(dataset_cfg)
            assert len(dataset) > 0
            paths[loader] = {
                dataset.get_data_info(i)['img_path']
                for i in range(len(dataset))
            }
        # Validation shares no image with training or testing.
        assert not paths['val_dataloader'] & (
            paths['train_dataloader'] | paths['test_dataloader'])
        # One test sample through the config's own pipeline (the training
        # pipeline would upscale the tiny images to the 512 crop: slow).
        # Both list pairs; single-image models keep the sample.
        sample = dataset[0]
        assert sample['inputs'].shape[0] == 6
    # Every hook the Runner would build (a save_best key without a rule
    # fails here, not after a day of training); the visualisation hook needs
    # a visualizer instance.
    DefectVisualizer.get_instance('test_configs')
    for hook in [*cfg.default_hooks.values(), *cfg.get('custom_hooks', [])]:
        HOOKS.build(hook)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    # SegDecNet's decision convolutions pool its 1/8 features three more
    # times: they need 128 x 128 inputs.
    size = 128 if osp.basename(path).startswith(('mffpa', 'segdecnet')) \
        else 64
    per_image = cfg.model.data_preprocessor.get('channels', 3)
    data = random_batch(model, 2 * per_image, model.num_classes, size=size)
    assert data['inputs'].shape[1] == input_channels(cfg)
    for _ in range(2):
        losses = model.loss(**data)
        loss, _ = model.parse_losses(losses)
        assert torch.isfinite(loss)
        optim.update_params(loss)


def _source(dataset_cfg):
    return (dataset_cfg.get('data_root'), dataset_cfg.get('ann_file'),
            dataset_cfg.get('data_prefix'))


@pytest.mark.parametrize('path', CONFIGS)
def test_validation_is_never_the_test_split(path):
    """Validation reads the data set's own validation split, or the
    validation part of the training file that the training loader splits
    alike; never the test split, so that best-checkpoint selection and
    calibration never see a test image."""
    cfg = Config.fromfile(osp.join(REPO, path))
    train, val, test = (
        cfg[f'{split}_dataloader'].dataset
        for split in ('train', 'val', 'test'))
    assert test.get('holdout') is None
    assert _source(val) != _source(test)
    holdout = val.get('holdout')
    if holdout is None:
        assert _source(val) != _source(train)
    else:
        assert holdout.part == 'val'
        assert _source(train) == _source(val)
        assert train.holdout == dict(holdout, part='train')
    # The checkpoint hook's best metric is one the validation loop reports.
    best = cfg.default_hooks.checkpoint.get('save_best')
    if best is not None:
        evaluators = cfg.val_evaluator if isinstance(
            cfg.val_evaluator, list) else [cfg.val_evaluator]
        kinds = {e.type for e in evaluators}
        assert ('ImageDefectMetric'
                if best.startswith('image/') else 'DefectIoUMetric') in kinds


@pytest.fixture(scope='module')
def converted_root(tmp_path_factory):
    """A tiny data set in the single-image converters' layout: grey images,
    0/1 masks, ``image - mask`` list lines, KSDD window names (one source
    image each)."""
    import cv2
    import numpy as np
    root = tmp_path_factory.mktemp('converted')
    rng = np.random.default_rng(0)
    for split in ('train', 'test'):
        lines = []
        for i in range(3):
            name = f'kos0{i}_Part0_0.png'
            for kind in ('images', 'masks'):
                (root / kind / split).mkdir(parents=True, exist_ok=True)
            img = rng.integers(0, 255, (64, 64), dtype=np.uint8)
            mask = np.zeros((64, 64), np.uint8)
            mask[10 + i:20 + 2 * i, 5:30] = 1
            cv2.imwrite(str(root / 'images' / split / name), img)
            cv2.imwrite(str(root / 'masks' / split / name), mask)
            lines.append(f'images/{split}/{name} - masks/{split}/{name}')
        (root / 'splits').mkdir(exist_ok=True)
        (root / 'splits' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


@pytest.mark.parametrize('path', [
    'configs/lsanet/lsanet_ksdd-512.py', 'configs/lsanet/lsanet_neu-256.py',
    'configs/lsanet/lsanet_mt-256.py', 'configs/lsanet/lsanet_neu-256_code.py'
])
def test_single_image_configs_run_their_pipelines(path, converted_root):
    """Grey images load as 3 channels; flips and one photometric jitter keep
    the image, mask and location target aligned; validation holds out one
    of the three training images, testing reads the test split."""
    import numpy as np
    cfg = Config.fromfile(osp.join(REPO, path))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(converted_root)
    train, val, test = (
        DATASETS.build(cfg[f'{split}_dataloader'].dataset)
        for split in ('train', 'val', 'test'))
    assert (len(train), len(val), len(test)) == (2, 1, 3)
    held_out = val.get_data_info(0)['img_path']
    assert held_out not in {train.get_data_info(i)['img_path'] for i in (0, 1)}
    assert 'images/train/' in held_out
    assert 'images/test/' in test.get_data_info(0)['img_path']
    for seed in range(4):
        np.random.seed(seed)
        out = train[seed % 2]
        assert out['inputs'].shape == (3, 64, 64)
        sample = out['data_samples']
        mask = sample.gt_sem_seg.data[0]
        loc = sample.gt_loc_map.data[0]
        # One filled rectangle: the mask is its own bounding box here.
        assert torch.equal(mask, loc.to(mask.dtype))
    assert test[0]['data_samples'].gt_sem_seg.data.sum() > 0


def _may_be_label_only(dataset_cfg):
    """Whether a split may hold defective images with a label and no mask:
    an own-data folder (tools/dataset_converters/folder.py writes data/own)
    or a mixed-supervision file (``*_n<N>.json``) and its held-out part."""
    return dataset_cfg.get('data_root') == 'data/own' or re.search(
        r'_n(\d+|all)\.json$', str(dataset_cfg.get('ann_file', '')))


@pytest.mark.parametrize('path', CONFIGS)
def test_best_checkpoint_metric_exists_on_label_only_validation(path):
    """DefectIoUMetric reports no pixel metric on a split without a defect
    mask, so a best checkpoint chosen by one would stop the training at
    its first validation (KeyError); such configs choose by an image
    metric, or keep no best checkpoint."""
    cfg = Config.fromfile(osp.join(REPO, path))
    best = cfg.default_hooks.checkpoint.get('save_best')
    if _may_be_label_only(cfg.val_dataloader.dataset):
        assert best is None or best.startswith('image/'), best

"""tools/infer.py with --register and --tile: registered pairs segmented,
unregistrable ones rejected with their reason, nothing else lost."""
import csv
import sys

import cv2
import numpy as np
import pytest
import torch

from mmdefect.apis import DefectInferencer, init_model

CONFIG = 'configs/baselines/siamese_r18_unet_synocd-256.py'


@pytest.fixture(scope='module')
def posed_pair(repo):
    sys.path.insert(0, f'{repo}/tests/test_datasets')
    from test_registration import posed_pair
    return posed_pair


@pytest.fixture(scope='module')
def ckpt(repo, tmp_path_factory):
    model = init_model(f'{repo}/{CONFIG}')
    path = tmp_path_factory.mktemp('ckpt') / 'siamese.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


@pytest.fixture
def pairs(tmp_path, posed_pair):
    root = tmp_path / 'pairs'
    for sub in ('sample', 'template'):
        (root / sub).mkdir(parents=True)
    for name, pose in (('a', dict(tx=6., ty=-4., angle=3., scale=1.)),
                       ('b', dict(tx=-5., ty=2., angle=-2., scale=1.))):
        sample, template, _ = posed_pair(pose)
        cv2.imwrite(str(root / 'sample' / f'{name}.png'), sample)
        cv2.imwrite(str(root / 'template' / f'{name}.png'), template)
    cv2.imwrite(str(root / 'sample' / 'blank.png'), sample)
    cv2.imwrite(
        str(root / 'template' / 'blank.png'), np.full_like(sample, 255))
    cv2.imwrite(str(root / 'sample' / 'other_size.png'), sample)
    cv2.imwrite(str(root / 'template' / 'other_size.png'), template[:96])
    return root


def test_register_and_tile_reject_only_the_bad_pairs(tool, repo, ckpt, pairs,
                                                     tmp_path):
    infer = tool('tools/infer.py')
    out = tmp_path / 'out'
    assert infer.main([
        f'{repo}/{CONFIG}', ckpt, '--pairs',
        str(pairs), '--out',
        str(out), '--register', '--tile', '64', '--tile-stride', '48'
    ]) == 1
    with open(out / 'summary.csv') as f:
        rows = {row['sample'].split('/')[-1]: row for row in csv.DictReader(f)}
    assert rows['a.png']['status'] == rows['b.png']['status'] == 'ok'
    assert (out / 'masks' / 'a.png').exists()
    assert rows['blank.png']['status'] == 'rejected'
    assert 'template is blank or saturated' in rows['blank.png']['error']
    assert rows['other_size.png']['status'] == 'error'
    assert 'has shape' in rows['other_size.png']['error']


def test_tiled_inference_refuses_a_window_larger_than_the_image(
        tool, repo, ckpt, pairs, tmp_path):
    infer = tool('tools/infer.py')
    out = tmp_path / 'out'
    assert infer.main([
        f'{repo}/{CONFIG}', ckpt, '--pairs',
        str(pairs), '--out',
        str(out), '--tile', '256'
    ]) == 1
    with open(out / 'summary.csv') as f:
        rows = {row['sample'].split('/')[-1]: row for row in csv.DictReader(f)}
    assert 'window 256 x 256 (test_cfg.crop_size) is larger than the image' \
        in rows['a.png']['error']


def test_inferencer_registers_and_reports_the_alignment(
        repo, ckpt, posed_pair):
    sample, template, matrix = posed_pair(
        dict(tx=6., ty=-4., angle=0., scale=1.))
    inferencer = DefectInferencer(f'{repo}/{CONFIG}', ckpt, register=True)
    pred = inferencer([sample, template],
                      return_datasamples=True)['predictions'][0]
    quality = pred.metainfo['registration']
    assert quality['correlation'] > 0.95
    assert np.abs(np.array(quality['matrix']) - matrix).max() < 0.5
    outside = ~pred.metainfo['template_valid']
    assert outside[:, :5].all() and outside.any()
    assert (pred.pred_sem_seg.data[0][torch.from_numpy(outside)] == 0).all()

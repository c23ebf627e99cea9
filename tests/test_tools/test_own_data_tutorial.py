"""docs/tutorials/own_data.md runs end to end as written.

The ``bash`` code blocks of the tutorial are taken from the markdown and run
in order, one shell per block, in a scratch folder that links the
repository's ``configs`` and ``tools`` (so that the tutorial's relative
paths, ``data/own``, ``work_dirs``, ``results``, land there): the demo
folder, the converter, training, calibration, testing and inference of the
paired and the single-image model.  A command that fails fails the test
with its output; the results of each step are checked afterwards.  About
three minutes on one core.
"""
import csv
import json
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TUTORIAL = osp.join(REPO, 'docs', 'tutorials', 'own_data.md')
MODELS = ('siamese', 'mffpa')


def bash_blocks(path):
    """The ``bash`` code blocks of a markdown file, in order."""
    with open(path) as f:
        text = f.read()
    return [
        block.strip()
        for block in re.findall(r'^```bash\n(.*?)^```', text, re.M | re.S)
    ]


def test_tutorial_blocks_are_found():
    blocks = bash_blocks(TUTORIAL)
    joined = '\n'.join(blocks)
    for tool in ('demo_folder.py', 'folder.py', 'train.py', 'calibrate.py',
                 'test.py', 'infer.py'):
        assert f'/{tool} ' in joined
    assert 'siamese_r18_unet_folder.py' in joined
    assert 'mffpa_folder.py' in joined


def test_tutorial_runs_end_to_end(tmp_path):
    for name in ('configs', 'tools'):
        os.symlink(osp.join(REPO, name), tmp_path / name)
    env = dict(
        os.environ,
        PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH'],
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='')
    for block in bash_blocks(TUTORIAL):
        done = subprocess.run(['bash', '-e', '-c', block],
                              cwd=tmp_path,
                              env=env,
                              capture_output=True,
                              text=True)
        assert done.returncode == 0, (
            f'{block}\nexit {done.returncode}\n{done.stdout[-3000:]}\n'
            f'{done.stderr[-3000:]}')
    # The converter's split: every image once, label-only ones as such.
    splits = {
        split:
        json.loads((tmp_path / 'data' / 'own' / 'splits' /
                    f'{split}.json').read_text())['data_list']
        for split in ('train', 'val', 'test')
    }
    assert sum(len(s) for s in splits.values()) == 48
    label_only = [
        e for s in splits.values() for e in s
        if e['gt_label'] == 1 and 'seg_map_path' not in e
    ]
    assert len(label_only) == 12
    test_labels = {
        osp.basename(e['img_path']): str(e['gt_label'])
        for e in splits['test']
    }
    for model in MODELS:
        work = tmp_path / 'work_dirs' / f'own_{model}'
        # Grey images: the models were trained on one channel per image.
        weights = torch.load(
            work / 'iter_20.pth', map_location='cpu',
            weights_only=False)['state_dict']
        stem = next(v for k, v in weights.items()
                    if k.startswith('backbone.') and v.ndim == 4)
        assert stem.shape[1] == 1, stem.shape
        calibration = json.loads((work / 'calibration.json').read_text())
        assert calibration['split'] == 'val'
        assert 0 < calibration['image']['threshold'] < 1
        # One panel per test image, its tiles 256 px high under their
        # titles; a row per image with its label, score and decision.
        panels = list((tmp_path / 'panels' / model).rglob('*.png'))
        assert len(panels) == len(splits['test'])
        assert all(256 < cv2.imread(str(p)).shape[0] < 320 for p in panels)
        with open(tmp_path / 'panels' / model / 'summary.csv') as f:
            rows = list(csv.DictReader(f))
        assert {
            osp.basename(row['sample']): row['gt_label']
            for row in rows
        } == test_labels
        assert all(0 <= float(row['score']) <= 1 for row in rows)
        assert {row['decision'] for row in rows} <= {'0', '1'}
        with open(tmp_path / 'results' / model / 'summary.csv') as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 6
        assert {row['status'] for row in rows} == {'ok'}
        assert {row['decision'] for row in rows} <= {'0', '1'}

"""The panels of every leaderboard method: a heat map of the defect
probability, the image score and decision on the prediction, the image label
on the ground truth, and a label-only image's ground truth marked as such;
tools/infer.py's summary carries the same labels."""
import csv
import importlib.util
import json
import os.path as osp
from unittest.mock import patch

import cv2
import numpy as np
import pytest
import torch
import yaml

from mmdefect.apis import DefectInferencer, init_model
from mmdefect.visualization import defect_visualizer, hatch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
with open(osp.join(REPO, 'tools/benchmarks/board.yaml')) as f:
    METHODS = {
        name: method['configs']['synocd']
        for name, method in yaml.safe_load(f)['methods'].items()
    }


def write_pair(folder, defective_mask):
    """A template, a sample with a bright bar and, where asked, its mask."""
    rng = np.random.default_rng(0)
    template = cv2.GaussianBlur(
        rng.integers(0, 256, (64, 64, 3), np.uint8), (7, 7), 0)
    sample = template.copy()
    sample[30:34, 8:56] = 255
    paths = dict(
        img_path=str(folder / 'sample.png'),
        template_path=str(folder / 'template.png'))
    cv2.imwrite(paths['img_path'], sample)
    cv2.imwrite(paths['template_path'], template)
    if defective_mask:
        mask = np.zeros((64, 64), np.uint8)
        mask[30:34, 8:56] = 1
        paths['seg_map_path'] = str(folder / 'mask.png')
        cv2.imwrite(paths['seg_map_path'], mask)
    return paths


def panel_tiles(inferencer, item):
    """The (title, tile) pairs of the panel of ``item``."""
    captured = []
    make_panel = defect_visualizer.make_panel

    def capture(tiles, height=None):
        captured.append(list(tiles))
        return make_panel(tiles, height)

    with patch.object(defect_visualizer, 'make_panel', capture):
        out = inferencer(item, return_vis=True)
    assert out['visualization'][0].ndim == 3
    return captured[0]


@pytest.mark.parametrize('method', list(METHODS))
def test_every_method_draws_heat_map_score_and_labels(method, tmp_path):
    torch.manual_seed(0)
    model = init_model(f'{REPO}/{METHODS[method]}')
    inferencer = DefectInferencer(model)
    masked = write_pair(tmp_path, defective_mask=True)
    if model.data_preprocessor.num_images == 1:
        del masked['template_path']
    label_only = dict(masked, gt_label=1)
    del label_only['seg_map_path']

    tiles = dict(panel_tiles(inferencer, masked))
    titles = list(tiles)
    assert 'defect probability' in titles
    probability = tiles['defect probability']
    assert probability.shape == (64, 64, 3) and probability.dtype == np.uint8
    prediction = next(t for t in titles if t.startswith('prediction'))
    # The score and decision first, so that a narrow tile keeps them.
    assert prediction.startswith('prediction (score ')
    assert prediction.split(')')[0].endswith((': defective', ': good'))
    truth = next(t for t in titles if t.startswith('ground truth'))
    assert truth.startswith('ground truth (defective)')
    assert any(t.startswith('errors') for t in titles)

    tiles = panel_tiles(inferencer, label_only)
    truth, tile = next(
        (t, tile) for t, tile in tiles if t.startswith('ground truth'))
    assert truth == 'ground truth (label only: defective)'
    sample = cv2.cvtColor(cv2.imread(masked['img_path']), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(tile, hatch(sample))
    # Nothing to compare a prediction with: no error tile.
    assert not any(t.startswith('errors') for t, _ in tiles)


def test_hatch_stripes_and_dims():
    image = np.full((8, 8, 3), 200, np.uint8)
    out = hatch(image, spacing=4)
    assert out[0, 0].tolist() == [160] * 3  # stripe: (0 + 0) % 4 < 2
    assert out[0, 2].tolist() == [164] * 3  # 200 / 2 + 64 between
    assert out.shape == image.shape and out.dtype == np.uint8


def test_infer_summary_carries_labels_score_and_decision(repo, tmp_path):
    spec = importlib.util.spec_from_file_location('infer_tool',
                                                  f'{repo}/tools/infer.py')
    infer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(infer)
    config = f'{repo}/{METHODS["MFFPA"]}'
    torch.manual_seed(0)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=init_model(config).state_dict()), ckpt)
    masked = write_pair(tmp_path, defective_mask=True)
    del masked['template_path']  # MFFPA segments the sample alone
    good = tmp_path / 'good.png'
    cv2.imwrite(str(good), cv2.imread(str(tmp_path / 'template.png')))
    data_list = [
        masked,
        dict(img_path=masked['img_path'], gt_label=1),
        dict(img_path=str(good), gt_label=0),
        dict(img_path=str(good)),
    ]
    annotation = tmp_path / 'list.json'
    annotation.write_text(json.dumps(dict(metainfo={}, data_list=data_list)))
    out = tmp_path / 'out'
    assert infer.main([
        config,
        str(ckpt), '--pairs',
        str(annotation), '--out',
        str(out), '--threshold', '0.5'
    ]) == 0
    with open(out / 'summary.csv') as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:7] == [
        'sample', 'template', 'mask', 'output', 'gt_label', 'score', 'decision'
    ]
    assert [r['gt_label'] for r in rows] == ['1', '1', '0', '']
    for row in rows:
        assert row['decision'] == str(int(float(row['score']) >= 0.5))
    summary = json.loads((out / 'summary.json').read_text())
    assert [r['gt_label'] for r in summary['results']] == [1, 1, 0, '']

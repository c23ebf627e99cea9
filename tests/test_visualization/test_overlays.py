"""Overlay drawing (CADNet Fig. 1/9 error colours), the painters of heat
maps and the paired visualizer."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmdefect.models.necks.feature_matching_neck import match_lines
from mmdefect.registry import MAP_PAINTERS
from mmdefect.visualization import (DefectVisualizer, blend, color_mask,
                                    error_overlay, heat_map, make_panel,
                                    paint_maps)

W, G, R, K = (255, 255, 255), (0, 255, 0), (255, 0, 0), (0, 0, 0)


def test_error_overlay_colours_and_count():
    gt = np.array([[0, 1, 1, 0], [2, 2, 0, 0], [0, 1, 0, 255], [255, 0, 2, 0]])
    pred = np.array([
        [0, 1, 0, 1],  # found, missed, wrong
        [2, 1, 0, 0],  # found, wrong class -> missed
        [2, 1, 0, 1],  # wrong, found, ignored
        [1, 0, 2, 0]
    ])  # ignored, found
    expected = np.array(
        [[K, W, G, R], [W, G, K, K], [R, W, K, K], [K, K, W, K]], np.uint8)
    image, count = error_overlay(pred, gt, draw_count=False)
    np.testing.assert_array_equal(image, expected)
    assert count == 4  # 2 missed (one as the wrong class) + 2 wrong
    assert error_overlay(gt, gt, draw_count=False)[1] == 0
    with pytest.raises(ValueError, match='differ'):
        error_overlay(pred, gt[:3])


def test_error_count_written_in_yellow():
    gt = np.zeros((64, 64), np.uint8)
    image, count = error_overlay(np.ones_like(gt), gt)
    assert count == 64 * 64
    corner, rest = image[:16, :40], image[32:, 32:]
    assert (rest == R).all()
    yellow = (corner[..., 0] > 200) & (corner[..., 1] > 200) & (
        corner[..., 2] < 80)
    assert yellow.sum() > 10


def test_color_mask_and_blend():
    mask = np.array([[0, 1], [2, 255]])
    palette = [[0, 0, 0], [10, 20, 30], [40, 50, 60]]
    colors = color_mask(mask, palette)
    assert colors.tolist() == [[[0, 0, 0], [10, 20, 30]],
                               [[40, 50, 60], [0, 0, 0]]]
    image = np.full((2, 2, 3), 100, np.uint8)
    mixed = blend(image, colors, 0.5, mask=mask == 1)
    assert mixed[0, 1].tolist() == [55, 60, 65]
    assert (mixed[mask != 1] == 100).all()
    assert blend(image, colors, 1.0)[1, 0].tolist() == [40, 50, 60]


def test_heat_map_normalises():
    values = np.array([[0.0, 1.0], [2.0, 4.0]], np.float32)
    colored = heat_map(values)
    assert colored.shape == (2, 2, 3) and colored.dtype == np.uint8
    lowest = cv2.applyColorMap(np.array([[0]], np.uint8), cv2.COLORMAP_JET)
    highest = cv2.applyColorMap(np.array([[255]], np.uint8), cv2.COLORMAP_JET)
    assert colored[0, 0].tolist() == lowest[0, 0, ::-1].tolist()
    assert colored[1, 1].tolist() == highest[0, 0, ::-1].tolist()
    # Scale-free: an affine change of the values gives the same picture.
    np.testing.assert_array_equal(heat_map(values * 7 - 3), colored)
    assert (heat_map(np.ones((3, 3))) == lowest[0, 0, ::-1]).all()


def test_make_panel_shapes():
    tiles = [('a', np.zeros((64, 64, 3), np.uint8)),
             ('b', np.full((32, 48), 255, np.uint8)),
             ('c', np.zeros((128, 64, 3), np.uint8))]
    panel = make_panel(tiles, gap=4)
    # Common height 128 (the tallest): widths 128, 192, 64 plus two gaps.
    bar = panel.shape[0] - 128
    assert bar > 0
    assert panel.shape == (bar + 128, 128 + 192 + 64 + 2 * 4, 3)
    assert (panel[bar:, 132:132 + 192] == 255).all()  # tile b, upscaled
    small = make_panel(tiles, height=32, gap=0)
    assert small.shape[1] == 32 + 48 + 16
    with pytest.raises(ValueError):
        make_panel([])


def test_paired_visualizer_writes_panel(tmp_path):
    template = np.zeros((64, 64, 3), np.uint8)
    template[..., 0] = 255  # blue in BGR
    template_path = tmp_path / 'template.png'
    cv2.imwrite(str(template_path), template)
    gt = torch.zeros(1, 64, 64, dtype=torch.long)
    gt[:, 10:20] = 1
    pred = torch.zeros(1, 64, 64, dtype=torch.long)
    pred[:, 15:25] = 1
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=gt), pred_sem_seg=PixelData(data=pred))
    sample.set_metainfo(dict(template_path=str(template_path)))

    vis = DefectVisualizer(
        name='test_paired_visualizer',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'vis'))
    vis.dataset_meta = dict(
        classes=('background', 'defect'), palette=[[0, 0, 0], [255, 255, 255]])
    image = np.full((64, 64, 3), 128, np.uint8)
    vis.add_datasample('test_x.png', image, sample)

    files = list((tmp_path / 'vis').rglob('*.png'))
    assert len(files) == 1
    panel = cv2.imread(str(files[0]))[..., ::-1]  # RGB
    bar = panel.shape[0] - 64
    # sample | template | prediction | ground truth | errors, 4 px gaps.
    assert panel.shape[1] == 5 * 64 + 4 * 4
    tiles = [panel[bar:, x:x + 64] for x in range(0, 5 * 68, 68)]
    assert (tiles[0] == 128).all()
    assert (tiles[1] == [0, 0, 255]).all()  # the template, in RGB
    errors = tiles[4]
    assert (errors[15:20] == W).all()  # overlap: found
    assert (errors[10:15] == G).all()  # missed
    assert (errors[20:25] == R).all()  # wrong detection

    # Without a template (single-image models) and without ground truth.
    del sample.gt_sem_seg
    sample.set_metainfo(dict(template_path=None))
    out_file = tmp_path / 'single.png'
    vis.add_datasample('single', image, sample, out_file=str(out_file))
    assert cv2.imread(str(out_file)).shape[1] == 2 * 64 + 4


def test_maps_are_painted_by_the_painter_of_their_name():
    maps = dict(
        edge_map=np.linspace(0, 1, 64 * 64).reshape(64, 64),
        match_dx_map=np.full((64, 64), 8.),
        match_dy_map=np.zeros((64, 64)),
        match_score_map=np.ones((64, 64)),
        probe_map=np.zeros((64, 64)))
    calls = []

    def probe(group, image, template):
        calls.append(sorted(group))
        return [('probe', np.zeros((4, 4, 3), np.uint8))]

    MAP_PAINTERS.register_module(name='probe_map', module=probe, force=True)
    sample = np.zeros((64, 64, 3), np.uint8)
    template = np.full((64, 64, 3), 255, np.uint8)
    tiles = paint_maps(maps, sample, template)
    assert [title for title, _ in tiles] == ['edge_map', 'matches', 'probe']
    np.testing.assert_array_equal(tiles[0][1], heat_map(maps['edge_map']))
    assert calls == [['probe_map']]
    # BGNet's match field (registered by its neck): sample and template
    # side by side, one line per grid point, 8 px to the right.
    matches = tiles[1][1]
    assert matches.shape == (64, 2 * 64 + 4, 3)
    assert matches[:, :64].any(axis=2).sum() > 0
    assert (matches[:, 68:, 0] > 0).all()  # white template, red lines
    # Without a template there is nothing to match against.
    assert [t for t, _ in paint_maps(maps, sample, None)
            ] == ['edge_map', 'probe']


def test_match_lines_end_at_the_match():
    sample = np.zeros((32, 32, 3), np.uint8)
    template = np.zeros((32, 32, 3), np.uint8)
    dx = np.full((32, 32), 5.)
    dy = np.full((32, 32), 3.)
    score = np.zeros((32, 32))
    score[16, 16] = 1.
    out = match_lines(sample, template, dx, dy, score, step=32, gap=4)
    # One grid point, (16, 16), matched to (21, 19) in the template.
    assert out[16, 16].any() and out[19, 32 + 4 + 21].any()
    assert not out[:8].any()


def test_panel_titles_carry_score_decision_and_image_label(tmp_path):
    from mmdefect.visualization.defect_visualizer import (decision_text,
                                                          label_text)
    sample = SegDataSample()
    sample.pred_score = torch.tensor(0.734)
    sample.pred_label = torch.tensor(1)
    assert decision_text(sample) == ' (score 0.73: defective)'
    sample.pred_label = torch.tensor(0)
    assert decision_text(sample) == ' (score 0.73: good)'
    sample.gt_label = torch.tensor(1)
    unlabelled = np.full((8, 8), 255)
    assert label_text(sample, unlabelled, 255) == ' (label only: defective)'
    assert label_text(sample, np.zeros((8, 8)), 255) == ' (defective)'
    # The probability tile keeps its scale: 0.5 is mid-colour everywhere.
    half = heat_map(np.full((4, 4), 0.5), value_range=(0., 1.))
    assert (half == heat_map(np.array([[0., 1.], [0.5, 0.5]]))[1, 0]).all()

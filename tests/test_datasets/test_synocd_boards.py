"""Large SynOCD boards: deterministic, posed as recorded, registrable."""
import json

import cv2
import numpy as np
import pytest

from mmdefect.datasets.synocd_generator import generate_boards, render_board
from mmdefect.datasets.transforms import register_template
from mmdefect.utils.geometry import pose_matrix

SIDE, UNIT = 512, 128


@pytest.fixture(scope='module')
def board():
    return render_board(0, 1, SIDE, UNIT, 'default')


def test_board_is_deterministic_and_sized(board):
    again = render_board(0, 1, SIDE, UNIT, 'default')
    for key in ('template', 'sample', 'mask'):
        assert np.array_equal(board[key], again[key])
    assert board['template'].shape == board['sample'].shape == (SIDE, SIDE, 3)
    assert board['mask'].shape == (SIDE, SIDE)
    assert set(np.unique(board['mask'])) <= {0, 1}
    other = render_board(0, 2, SIDE, UNIT, 'default')
    assert not np.array_equal(board['sample'], other['sample'])


def test_defects_lie_in_their_recorded_cells_under_the_pose(board):
    record = board['record']
    assert record['defects'] and board['mask'].any()
    # Each defect pixel, carried back by the pose, lies in a defect cell.
    inverse = cv2.invertAffineTransform(pose_matrix(record['pose'], SIDE))
    ys, xs = np.nonzero(board['mask'])
    points = cv2.transform(
        np.stack([xs, ys], axis=-1)[:, None].astype(np.float64), inverse)[:, 0]
    cells = {(d['row'], d['col']) for d in record['defects']}
    inside = [(int(y // UNIT), int(x // UNIT)) in cells
              for x, y in points.clip(0, SIDE - 1)]
    assert np.mean(inside) > 0.99


def test_the_board_registers_to_its_recorded_pose(board):
    quality = register_template(board['sample'], board['template'])['quality']
    expected = np.vstack(
        [pose_matrix(board['record']['pose'], SIDE), [0, 0, 1]])
    grid = np.stack(
        np.meshgrid(*[np.linspace(0, SIDE - 1, 9)] * 2),
        axis=-1).reshape(-1, 1, 2)
    error = np.abs(
        cv2.perspectiveTransform(grid, np.array(quality['matrix'])) -
        cv2.perspectiveTransform(grid, expected)).max()
    assert error < 1


def test_generate_boards_writes_annotations(tmp_path):
    meta = generate_boards(
        str(tmp_path / 'boards'), sides=(256, ), count=2, unit=UNIT)
    assert meta['boards'] == {'256': 2}
    with open(tmp_path / 'boards' / 'annotations' / 'board_256.json') as f:
        items = json.load(f)['data_list']
    assert [item['img_path'] for item in items
            ] == ['images/board256_00.png', 'images/board256_01.png']
    image = cv2.imread(str(tmp_path / 'boards' / items[0]['img_path']))
    assert image.shape == (256, 256, 3)
    with pytest.raises(ValueError, match='multiple of the unit side'):
        render_board(0, 0, 300, UNIT)

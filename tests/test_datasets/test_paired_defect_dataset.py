"""Dataset listing: list-file and folder layouts, errors, label fraction."""
import shutil

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from mmdefect.datasets import PairedDefectDataset, SynLCDDataset


def test_list_file_layout(paired_root):
    ds = SynLCDDataset(data_root=str(paired_root), ann_file='splits/train.txt',
                       pipeline=[])
    assert len(ds) == 8
    info = ds.get_data_info(0)
    assert info['img_path'].endswith('images/train_0.png')
    assert info['template_path'].endswith('templates/t0.png')
    assert info['seg_map_path'].endswith('masks/train_0.png')
    assert info['num_classes'] == 3
    assert ds.metainfo['classes'] == ('background', 'line', 'abpt')


def test_folder_layout_pairs_by_name(tmp_path):
    for sub in ('sample', 'template', 'mask'):
        (tmp_path / sub).mkdir()
    for name in ('a', 'b'):
        cv2.imwrite(str(tmp_path / 'sample' / f'{name}.png'),
                    np.zeros((8, 8, 3), np.uint8))
        cv2.imwrite(str(tmp_path / 'template' / f'{name}.png'),
                    np.zeros((8, 8, 3), np.uint8))
        cv2.imwrite(str(tmp_path / 'mask' / f'{name}.png'),
                    np.zeros((8, 8), np.uint8))
    cfg = dict(
        type='PairedDefectDataset',
        data_root=str(tmp_path),
        data_prefix=dict(img_path='sample', template_path='template',
                         seg_map_path='mask'),
        pipeline=[])
    ds = DATASETS.build(cfg)
    assert [i['template_path'][-5:] for i in ds] == ['a.png', 'b.png']
    (tmp_path / 'template' / 'b.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'template .*b\.png'):
        DATASETS.build(cfg)


def test_empty_folder_and_bad_list_file(tmp_path):
    (tmp_path / 'sample').mkdir()
    with pytest.raises(ValueError, match='no "\\*.png" images in'):
        PairedDefectDataset(data_root=str(tmp_path),
                            data_prefix=dict(img_path='sample'), pipeline=[])
    (tmp_path / 'list.txt').write_text('a.png\n')
    with pytest.raises(ValueError, match='list.txt:1'):
        PairedDefectDataset(data_root=str(tmp_path), ann_file='list.txt',
                            pipeline=[])
    (tmp_path / 'empty.txt').write_text('\n')
    with pytest.raises(ValueError, match='lists no samples'):
        PairedDefectDataset(data_root=str(tmp_path), ann_file='empty.txt',
                            pipeline=[])


def test_missing_template_is_reported_at_start(paired_root, tmp_path):
    root = tmp_path / 'copy'
    shutil.copytree(paired_root, root)
    (root / 'templates' / 't1.png').unlink()
    with pytest.raises(FileNotFoundError, match=r't1\.png .*train_1\.png'):
        SynLCDDataset(data_root=str(root), ann_file='splits/train.txt',
                      pipeline=[])


def test_label_fraction_is_a_reproducible_subset(paired_root):
    full = SynLCDDataset(data_root=str(paired_root),
                         ann_file='splits/train.txt', pipeline=[])
    part = [
        SynLCDDataset(data_root=str(paired_root), ann_file='splits/train.txt',
                      pipeline=[], label_fraction=0.25) for _ in range(2)
    ]
    names = [[i['img_path'] for i in ds] for ds in part]
    assert len(names[0]) == 2 and names[0] == names[1]
    assert set(names[0]) <= {i['img_path'] for i in full}
    with pytest.raises(ValueError, match='label_fraction'):
        SynLCDDataset(data_root=str(paired_root), ann_file='splits/train.txt',
                      pipeline=[], label_fraction=0)

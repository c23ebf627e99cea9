"""DefectDataset: list-file, JSON and folder layouts, single images, image
labels, errors, label fraction; mask validation on every dataset class."""
import json
import shutil

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from mmdefect.datasets import DefectDataset, SynLCDDataset


def test_list_file_layout(paired_root):
    ds = SynLCDDataset(
        data_root=str(paired_root), ann_file='splits/train.txt', pipeline=[])
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
        cv2.imwrite(
            str(tmp_path / 'sample' / f'{name}.png'),
            np.zeros((8, 8, 3), np.uint8))
        cv2.imwrite(
            str(tmp_path / 'template' / f'{name}.png'),
            np.zeros((8, 8, 3), np.uint8))
        cv2.imwrite(
            str(tmp_path / 'mask' / f'{name}.png'), np.zeros((8, 8), np.uint8))
    cfg = dict(
        type='DefectDataset',
        data_root=str(tmp_path),
        data_prefix=dict(
            img_path='sample', template_path='template', seg_map_path='mask'),
        pipeline=[])
    ds = DATASETS.build(cfg)
    assert [i['template_path'][-5:] for i in ds] == ['a.png', 'b.png']
    (tmp_path / 'template' / 'b.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'template .*b\.png'):
        DATASETS.build(cfg)


def test_empty_folder_and_bad_list_file(tmp_path):
    (tmp_path / 'sample').mkdir()
    with pytest.raises(ValueError, match='sample lists no samples'):
        DefectDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='sample'),
            pipeline=[])
    (tmp_path / 'list.txt').write_text('a.png b.png c.png d.png\n')
    with pytest.raises(ValueError, match='list.txt:1: 4 values'):
        DefectDataset(
            data_root=str(tmp_path), ann_file='list.txt', pipeline=[])
    (tmp_path / 'empty.txt').write_text('\n')
    with pytest.raises(ValueError, match='lists no samples'):
        DefectDataset(
            data_root=str(tmp_path), ann_file='empty.txt', pipeline=[])


def test_missing_template_is_reported_at_start(paired_root, tmp_path):
    root = tmp_path / 'copy'
    shutil.copytree(paired_root, root)
    (root / 'templates' / 't1.png').unlink()
    with pytest.raises(FileNotFoundError, match=r't1\.png .*train_1\.png'):
        SynLCDDataset(
            data_root=str(root), ann_file='splits/train.txt', pipeline=[])


def test_label_fraction_is_a_reproducible_subset(paired_root):
    full = SynLCDDataset(
        data_root=str(paired_root), ann_file='splits/train.txt', pipeline=[])
    part = [
        SynLCDDataset(
            data_root=str(paired_root),
            ann_file='splits/train.txt',
            pipeline=[],
            label_fraction=0.25) for _ in range(2)
    ]
    names = [[i['img_path'] for i in ds] for ds in part]
    assert len(names[0]) == 2 and names[0] == names[1]
    assert set(names[0]) <= {i['img_path'] for i in full}
    with pytest.raises(ValueError, match='label_fraction'):
        SynLCDDataset(
            data_root=str(paired_root),
            ann_file='splits/train.txt',
            pipeline=[],
            label_fraction=0)


def _image(path, size=16, value=0):
    cv2.imwrite(str(path), np.full((size, size, 3), value, np.uint8))


def _mask(path, size=16, defect=False, value=1):
    mask = np.zeros((size, size), np.uint8)
    if defect:
        mask[4:8, 4:8] = value
    cv2.imwrite(str(path), mask)


def test_single_image_list_declares_its_columns(tmp_path):
    """'image mask' lines are read as image + mask, not sample + template,
    when the dataset declares those columns; '-' marks a missing value."""
    _image(tmp_path / 'a.png')
    _mask(tmp_path / 'a_mask.png', defect=True)
    _image(tmp_path / 'b.png')
    (tmp_path / 'list.txt').write_text('a.png a_mask.png 1\nb.png - 0\n')
    ds = DefectDataset(
        data_root=str(tmp_path),
        ann_file='list.txt',
        columns=('img_path', 'seg_map_path', 'gt_label'),
        pipeline=[])
    a, b = ds.get_data_info(0), ds.get_data_info(1)
    assert a['seg_map_path'].endswith('a_mask.png') and a['gt_label'] == 1
    assert 'template_path' not in a
    assert 'seg_map_path' not in b and b['gt_label'] == 0
    with pytest.raises(ValueError, match='columns'):
        DefectDataset(
            data_root=str(tmp_path),
            ann_file='list.txt',
            columns=('seg_map_path', ),
            pipeline=[])
    (tmp_path / 'bad.txt').write_text('a.png - yes\n')
    with pytest.raises(ValueError, match=r"bad.txt:1: gt_label .*'yes'"):
        DefectDataset(
            data_root=str(tmp_path),
            ann_file='bad.txt',
            columns=('img_path', 'seg_map_path', 'gt_label'),
            pipeline=[])


def test_json_annotation_file(tmp_path):
    _image(tmp_path / 'a.png')
    _image(tmp_path / 't.png')
    _mask(tmp_path / 'm.png', defect=True)
    data_list = [
        dict(
            img_path='a.png',
            template_path='t.png',
            seg_map_path='m.png',
            pose=dict(dx=3.5)),
        dict(img_path='a.png', gt_label=0),
    ]
    (tmp_path / 'ann.json').write_text(
        json.dumps(
            dict(
                metainfo=dict(classes=['background', 'defect']),
                data_list=data_list)))
    ds = DefectDataset(
        data_root=str(tmp_path), ann_file='ann.json', pipeline=[])
    first = ds.get_data_info(0)
    assert first['template_path'] == str(tmp_path / 't.png')
    assert first['pose'] == dict(dx=3.5)  # extra keys travel along
    assert ds.get_data_info(1)['gt_label'] == 0
    (tmp_path / 'other.json').write_text(
        json.dumps(
            dict(
                metainfo=dict(classes=['bg', 'scratch', 'dent']),
                data_list=data_list)))
    with pytest.raises(ValueError, match=r"declares classes .*'scratch'"):
        DefectDataset(
            data_root=str(tmp_path), ann_file='other.json', pipeline=[])
    (tmp_path / 'plain.json').write_text(json.dumps(data_list))
    with pytest.raises(ValueError, match="mmengine's annotation format"):
        DefectDataset(
            data_root=str(tmp_path), ann_file='plain.json', pipeline=[])


def test_label_only_samples_get_an_ignored_mask(tmp_path):
    _image(tmp_path / 'a.png')
    (tmp_path / 'ann.json').write_text(
        json.dumps(
            dict(metainfo={}, data_list=[dict(img_path='a.png', gt_label=1)])))
    ds = DefectDataset(
        data_root=str(tmp_path),
        ann_file='ann.json',
        pipeline=[
            dict(type='LoadDefectImages'),
            dict(type='LoadDefectAnnotations'),
            dict(type='PackDefectInputs')
        ])
    sample = ds[0]['data_samples']
    assert (sample.gt_sem_seg.data == 255).all()
    assert int(sample.gt_label) == 1


def test_image_label_must_agree_with_the_mask(tmp_path):
    _image(tmp_path / 'a.png')
    _mask(tmp_path / 'm.png', defect=False)
    (tmp_path / 'list.txt').write_text('a.png m.png 1\n')
    ds = DefectDataset(
        data_root=str(tmp_path),
        ann_file='list.txt',
        columns=('img_path', 'seg_map_path', 'gt_label'),
        pipeline=[
            dict(type='LoadDefectImages'),
            dict(type='LoadDefectAnnotations')
        ])
    with pytest.raises(ValueError, match=r'image label 1 .*m\.png holds no'):
        ds[0]
    (tmp_path / 'none.txt').write_text('a.png\n')
    ds = DefectDataset(
        data_root=str(tmp_path),
        ann_file='none.txt',
        pipeline=[
            dict(type='LoadDefectImages'),
            dict(type='LoadDefectAnnotations')
        ])
    with pytest.raises(ValueError, match=r'a\.png has neither a mask nor'):
        ds[0]


@pytest.mark.parametrize('dataset', [
    dict(type='PKUPCBDataset'),
    dict(type='MVTecADDataset'),
    dict(type='DefectDataset'),
    dict(type='BaseSegDataset', img_suffix='.png'),
])
def test_zero_255_masks_are_refused_by_every_dataset_class(tmp_path, dataset):
    for sub in ('img', 'ann'):
        (tmp_path / sub).mkdir()
    _image(tmp_path / 'img' / 'a.png')
    _mask(tmp_path / 'ann' / 'a.png', defect=True, value=255)
    ds = DATASETS.build(
        dict(
            dataset,
            data_root=str(tmp_path),
            data_prefix=dict(img_path='img', seg_map_path='ann'),
            pipeline=[
                dict(type='LoadDefectImages'),
                dict(type='LoadDefectAnnotations')
            ]))
    with pytest.raises(
            ValueError, match=r'ann/a\.png .*mask_value_map=\{255: 1\}'):
        ds[0]

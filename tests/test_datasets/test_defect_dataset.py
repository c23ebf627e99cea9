"""DefectDataset: list-file, JSON and folder layouts, single images, image
labels, errors, label fraction, the validation holdout; mask validation on
every dataset class."""
import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from mmdefect.datasets import DefectDataset, SynLCDDataset
from mmdefect.datasets.defect_dataset import holdout_parts


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


def _labelled_json(root, labels, name='ann.json', masks=True, prefix='s'):
    """An annotation file of one image per label; defective ones get a
    mask where ``masks``."""
    data_list = []
    for i, label in enumerate(labels):
        img = f'{prefix}{i}.png'
        if not (root / img).exists():
            _image(root / img)
        entry = dict(img_path=img, gt_label=label)
        if label and masks:
            _mask(root / f'{prefix}{i}_mask.png', defect=True)
            entry['seg_map_path'] = f'{prefix}{i}_mask.png'
        data_list.append(entry)
    (root / name).write_text(
        json.dumps(dict(metainfo={}, data_list=data_list)))
    return name


def _parts(root, ann_file, **holdout):
    return {
        part: [
            i['img_path'] for i in DefectDataset(
                data_root=str(root),
                ann_file=ann_file,
                holdout=dict(holdout, part=part),
                pipeline=[])
        ]
        for part in ('train', 'val')
    }


def test_holdout_splits_a_file_into_disjoint_seeded_parts(tmp_path):
    labels = [0] * 12 + [1] * 8
    ann = _labelled_json(tmp_path, labels)
    kind = {
        str(tmp_path / f's{i}.png'): label
        for i, label in enumerate(labels)
    }
    parts = _parts(tmp_path, ann, fraction=0.25, seed=0)
    assert not set(parts['train']) & set(parts['val'])
    assert sorted(parts['train'] + parts['val']) == sorted(kind)
    # round(0.25 * 12) good and round(0.25 * 8) defective images
    assert sorted(kind[p] for p in parts['val']) == [0, 0, 0, 1, 1]
    assert {kind[p] for p in parts['train']} == {0, 1}
    assert _parts(tmp_path, ann, fraction=0.25, seed=0) == parts
    assert _parts(tmp_path, ann, fraction=0.25, seed=1)['val'] != \
        parts['val']


def test_holdout_keeps_both_kinds_in_both_parts_of_small_files():
    for good, bad in ((2, 2), (2, 30), (40, 3)):
        labels = [0] * good + [1] * bad
        held = holdout_parts(labels, [str(i) for i in range(len(labels))], 0.1,
                             0)
        labels = np.array(labels)
        assert set(labels[held]) == set(labels[~held]) == {0, 1}
    # Without stratification a draw of 2 from 2 + 30 may miss a kind; the
    # count is the fraction of all samples.
    held = holdout_parts(
        [None] * 32, [str(i) for i in range(32)], 0.25, 0, stratify=False)
    assert held.sum() == 8


def test_holdout_reads_the_kind_from_masks_of_a_list_file(tmp_path):
    """SynLCD-style lists carry no image label: the mask tells the kind,
    mapped by mask_value_map (0/255 masks)."""
    lines = []
    for i in range(10):
        _image(tmp_path / f'{i}.png')
        _mask(tmp_path / f'{i}_m.png', defect=i % 2 == 1, value=255)
        lines.append(f'{i}.png - {i}_m.png')
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')

    def part(name):
        ds = DefectDataset(
            data_root=str(tmp_path),
            ann_file='list.txt',
            mask_value_map={255: 1},
            holdout=dict(part=name, fraction=0.2),
            pipeline=[])
        return [int(osp.basename(i['img_path'])[:-4]) % 2 for i in ds]

    assert sorted(part('val')) == [0, 1]
    assert sorted(part('train')) == [0] * 4 + [1] * 4
    (tmp_path / 'bare.txt').write_text('0.png\n1.png\n')
    with pytest.raises(ValueError, match=r'0\.png has neither .*stratify'):
        DefectDataset(
            data_root=str(tmp_path),
            ann_file='bare.txt',
            holdout=dict(part='val'),
            pipeline=[])


def test_holdout_groups_stay_in_one_part(tmp_path):
    """Overlapping crops of one source image (KSDD windows, PCB tiles) stay
    together: a group is the pattern's match in the image path."""
    data_list = []
    for src in range(6):
        for top in (0, 250, 500):
            name = f'kos{src:02d}_Part0_{top}.png'
            _image(tmp_path / name)
            data_list.append(dict(img_path=name, gt_label=src % 2))
    (tmp_path / 'ann.json').write_text(
        json.dumps(dict(metainfo={}, data_list=data_list)))
    parts = _parts(
        tmp_path, 'ann.json', fraction=0.3, group=r'(kos\d+_Part\d+)_\d+')

    def sources(paths):
        return {osp.basename(p)[:11] for p in paths}

    assert len(parts['val']) == 6  # one good and one defective source
    assert not sources(parts['train']) & sources(parts['val'])
    with pytest.raises(ValueError, match=r"group 'Part9' does not match"):
        _parts(tmp_path, 'ann.json', group='Part9')


def test_mixed_supervision_files_split_alike(tmp_path):
    """train_n0.json and train_nall.json list the same images and labels,
    masks differ: their parts agree, so validating on one and training on
    the other never shares an image."""
    labels = [0, 1] * 10
    full = _labelled_json(tmp_path, labels, 'train_nall.json')
    weak = _labelled_json(tmp_path, labels, 'train_n0.json', masks=False)
    assert _parts(tmp_path, full) == _parts(tmp_path, weak)


def test_holdout_comes_before_label_fraction(tmp_path):
    ann = _labelled_json(tmp_path, [0, 1] * 10)
    parts = _parts(tmp_path, ann)
    few = DefectDataset(
        data_root=str(tmp_path),
        ann_file=ann,
        holdout=dict(part='train'),
        label_fraction=0.5,
        pipeline=[])
    assert len(few) == 9  # half of the 18 training samples
    assert {i['img_path'] for i in few} <= set(parts['train'])


def test_holdout_errors(tmp_path):
    ann = _labelled_json(tmp_path, [0, 1])
    with pytest.raises(
            ValueError,
            match=r'ann\.json: cannot hold out .* 1 '
            r'defect-free and 1 defective'):
        _parts(tmp_path, ann)
    one = _labelled_json(tmp_path, [0], 'one.json')
    with pytest.raises(ValueError, match=r'one\.json: cannot hold out'):
        _parts(tmp_path, one, stratify=False)
    for holdout, match in ((dict(part='test'), 'part must be one of'),
                           (dict(part='val', fraction=1), 'fraction'),
                           (dict(part='val', size=3), 'unknown keys')):
        with pytest.raises(ValueError, match=match):
            DefectDataset(
                data_root=str(tmp_path),
                ann_file=ann,
                holdout=holdout,
                pipeline=[])

"""MFFPA's mixed-supervision converters on tiny datasets written in each
public layout: KolektorSDD folds, KolektorSDD2, DAGM, Severstal."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from mmdefect.datasets import DefectDataset
from mmdefect.datasets.converters import (convert_dagm, convert_ksdd2,
                                          convert_ksdd_folds,
                                          convert_severstal, mixed_supervision)
from mmdefect.datasets.converters.mixed_supervision import segmented_positives
from mmdefect.datasets.converters.severstal import decode_rle


def load(path):
    return json.loads(path.read_text())['data_list']


def check_split(root, ann, images, defective):
    """The annotation file lists ``images`` images, ``defective`` of them
    defective, every file exists and masks hold 0/1 with a defect."""
    entries = load(root / 'splits' / ann)
    assert len(entries) == images
    assert sum(e['gt_label'] for e in entries) == defective
    for entry in entries:
        assert (root / entry['img_path']).is_file()
        if 'seg_map_path' in entry:
            mask = cv2.imread(str(root / entry['seg_map_path']), 0)
            assert set(np.unique(mask)) == {0, 1}
    return entries


def test_positive_selection_is_nested_and_seeded():
    labels = [1, 0, 1, 1, 0, 1, 1]
    five = segmented_positives(labels, 5, seed=0)
    assert segmented_positives(labels, 'all', 0) == [0, 2, 3, 5, 6]
    assert set(segmented_positives(labels, 2, 0)) <= set(
        segmented_positives(labels, 4, 0)) <= set(five)
    assert segmented_positives(labels, 2,
                               0) == segmented_positives(labels, 2, 0)
    with pytest.raises(ValueError, match=r'\[0, 5\]'):
        segmented_positives(labels, 6, 0)
    samples = [
        dict(img_path=f'{i}', seg_map_path=f'm{i}', gt_label=label)
        for i, label in enumerate(labels)
    ]
    weak = mixed_supervision.mixed_data_list(samples, 2, 0)
    kept = [e for e in weak if e['gt_label'] == 1 and 'seg_map_path' in e]
    assert len(kept) == 2
    # Negatives keep their masks.
    assert all('seg_map_path' in e for e in weak if e['gt_label'] == 0)


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


@pytest.fixture
def ksdd2_root(tmp_path):
    root = tmp_path / 'KSDD2'
    rng = np.random.default_rng(0)
    for split, num in (('train', 6), ('test', 4)):
        for i in range(num):
            img = rng.integers(0, 255, (40, 16, 3), np.uint8)
            mask = np.zeros((40, 16), np.uint8)
            if i % 2 == 0:
                mask[10:14, 4:8] = 255
            write(root / split / f'{10000 + i}.png', img)
            write(root / split / f'{10000 + i}_GT.png', mask)
    return root


def test_ksdd2(ksdd2_root, tmp_path):
    out = tmp_path / 'ksdd2'
    meta = convert_ksdd2(ksdd2_root, out, counts=(0, 1, 'all'))
    assert meta['train'] == dict(images=6, defective=3)
    assert meta['files'] == dict(train_n0=0, train_n1=1, train_nall=3)
    check_split(out, 'test.json', 4, 2)
    for n, masks in ((0, 0), (1, 1), ('all', 3)):
        entries = check_split(out, f'train_n{n}.json', 6, 3)
        assert sum('seg_map_path' in e for e in entries) == masks
    dataset = DefectDataset(
        data_root=str(out), ann_file='splits/train_n1.json', pipeline=[])
    assert len(dataset) == 6
    assert [dataset.get_data_info(i)['gt_label']
            for i in range(6)] == [1, 0, 1, 0, 1, 0]
    with pytest.raises(FileExistsError):
        convert_ksdd2(ksdd2_root, out)
    # A missing mask is named, and nothing is left behind.
    (ksdd2_root / 'test' / '10003_GT.png').unlink()
    with pytest.raises(FileNotFoundError, match='10003_GT.png'):
        convert_ksdd2(ksdd2_root, tmp_path / 'bad')
    assert not (tmp_path / 'bad').exists()


def test_dagm(tmp_path):
    root = tmp_path / 'DAGM'
    for k in (1, 2):
        for folder, num in (('Train', 5), ('Test', 3)):
            for i in range(num):
                write(root / f'Class{k}' / folder / f'{i:04d}.PNG',
                      np.full((32, 32), 100, np.uint8))
                if i < 2:
                    label = np.zeros((32, 32), np.uint8)
                    label[5:12, 5:15] = 255
                    write(
                        root / f'Class{k}' / folder / 'Label' /
                        f'{i:04d}_label.PNG', label)
    out = tmp_path / 'dagm'
    meta = convert_dagm(root, out, counts=(0, 'all'))
    assert sorted(meta['classes']) == ['class1', 'class2']
    check_split(out / 'class2', 'train_nall.json', 5, 2)
    entries = check_split(out / 'class1', 'train_n0.json', 5, 2)
    assert not any('seg_map_path' in e for e in entries)
    check_split(out / 'class1', 'test.json', 3, 2)
    # Only Class2.
    only = convert_dagm(root, tmp_path / 'only2', classes=[2], counts=(1, ))
    assert list(only['classes']) == ['class2']
    (root / 'Class1' / 'Test' / '0001.PNG').unlink()
    with pytest.raises(ValueError, match='0001_label.PNG'):
        convert_dagm(root, tmp_path / 'bad')
    assert not (tmp_path / 'bad').exists()


def test_rle_decoding():
    mask = decode_rle('1 2 257 1')
    assert mask.shape == (256, 1600)
    assert sorted(zip(*np.nonzero(mask))) == [(0, 0), (0, 1), (1, 0)]
    with pytest.raises(ValueError, match='odd'):
        decode_rle('1 2 3')
    with pytest.raises(ValueError, match='outside'):
        decode_rle(f'{256 * 1600} 2')


@pytest.mark.parametrize('layout', ['new', 'old'])
def test_severstal(tmp_path, layout):
    root = tmp_path / 'severstal'
    names = [f'{i:03d}abc.jpg' for i in range(12)]
    for name in names:
        write(root / 'train_images' / name, np.full((8, 16, 3), 90, np.uint8))
    # Images 0-5 defective; image 0 has two classes (their union counts).
    rows = {0: [(1, '1 2'), (3, '17 1')]}
    rows.update({i: [(2, f'{8 * i + 1} 3')] for i in range(1, 6)})
    if layout == 'new':
        lines = ['ImageId,ClassId,EncodedPixels'] + [
            f'{names[i]},{c},{rle}' for i, runs in rows.items()
            for c, rle in runs
        ]
    else:
        lines = ['ImageId_ClassId,EncodedPixels']
        for i, name in enumerate(names):
            runs = dict(rows.get(i, []))
            lines += [f'{name}_{c},{runs.get(c, "")}' for c in (1, 2, 3, 4)]
    (root / 'train.csv').write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'out'
    meta = convert_severstal(
        root,
        out,
        num_test=3,
        num_val=2,
        train_positives=3,
        train_negatives=3,
        counts=(0, 2, 'all'))
    assert meta['test']['images'] == 3 and meta['val']['images'] == 2
    assert meta['train'] == dict(images=6, defective=3)
    assert meta['files'] == dict(train_n0=0, train_n2=2, train_nall=3)
    check_split(out, 'train_nall.json', 6, 3)
    every = {
        e['img_path']: e
        for split in ('train_nall', 'val', 'test')
        for e in load(out / 'splits' / f'{split}.json')
    }
    for entry in every.values():
        if entry['img_path'].endswith('/000abc.png') and 'seg_map_path' in \
                entry:
            mask = cv2.imread(str(out / entry['seg_map_path']), 0)
            # "1 2" -> rows 0-1 of column 0; "17 1" -> row 0 of column 2.
            assert sorted(zip(*np.nonzero(mask))) == [(0, 0), (0, 2), (1, 0)]
    with pytest.raises(ValueError, match='cannot give'):
        convert_severstal(root, tmp_path / 'big', num_test=20)
    assert not (tmp_path / 'big').exists()


def test_severstal_names_a_bad_row(tmp_path):
    root = tmp_path / 'severstal'
    write(root / 'train_images' / 'a.jpg', np.zeros((8, 16), np.uint8))
    (root /
     'train.csv').write_text('ImageId,ClassId,EncodedPixels\na.jpg,1,5 1 9\n')
    with pytest.raises(ValueError, match=r'train.csv:2: odd'):
        convert_severstal(
            root,
            tmp_path / 'out',
            num_test=0,
            num_val=0,
            train_positives=1,
            train_negatives=0)


def test_ksdd_folds(tmp_path):
    root = tmp_path / 'KolektorSDD'
    for k in range(1, 7):
        for part in range(3):
            label = np.zeros((24, 10), np.uint8)
            if part == 1:
                label[4:9, 2:6] = 255
            write(root / f'kos{k:02d}' / f'Part{part}.jpg',
                  np.full((24, 10), 70, np.uint8))
            write(root / f'kos{k:02d}' / f'Part{part}_label.bmp', label)
    out = tmp_path / 'folds'
    meta = convert_ksdd_folds(root, out, counts=(0, 2, 'all'))
    tests = [set(f['test_folders']) for f in meta['folds'].values()]
    assert len(tests) == 3 and set().union(
        *tests) == {f'kos{k:02d}'
                    for k in range(1, 7)}
    assert sum(len(t) for t in tests) == 6  # disjoint
    for fold in range(3):
        entries = check_split(out / f'fold{fold}', 'train_nall.json', 12, 4)
        assert {e['img_path'].split('/')[-1][:5]
                for e in entries}.isdisjoint(tests[fold])
        check_split(out / f'fold{fold}', 'test.json', 6, 2)
        assert len([
            e for e in load(out / f'fold{fold}' / 'splits' / 'train_n2.json')
            if 'seg_map_path' in e and e['gt_label']
        ]) == 2


def test_cli_and_mixed_supervision_tool(ksdd2_root, tmp_path, repo):
    out = tmp_path / 'cli'
    proc = subprocess.run([
        sys.executable, 'tools/dataset_converters/ksdd2.py',
        str(ksdd2_root),
        str(out), '--num', '0', 'all'
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / 'splits').iterdir()) == [
        'test.json', 'train_n0.json', 'train_nall.json'
    ]


@pytest.mark.parametrize('config,layout', [
    ('mffpa_dagm-n0.py', 'dagm'),
    ('mffpa_ksdd-n0.py', 'ksdd_folds'),
])
def test_grey_configs_read_the_converted_data(repo, tmp_path, config, layout):
    """The grey configs' pipelines on converted data: one channel at the
    configured size, SegDecNet targets, image labels, the sampler."""
    from mmengine.config import Config
    from mmseg.registry import DATA_SAMPLERS, DATASETS
    source, out = tmp_path / 'source', tmp_path / 'out'
    if layout == 'dagm':
        for folder in ('Train', 'Test'):
            for i in range(4):
                write(source / 'Class1' / folder / f'{i:04d}.PNG',
                      np.full((32, 32), 60 + i, np.uint8))
            label = np.zeros((32, 32), np.uint8)
            label[3:9, 3:9] = 255
            write(source / 'Class1' / folder / 'Label' / '0000_label.PNG',
                  label)
        convert_dagm(source, out, counts=(0, ))
        root, size = out / 'class1', (32, 32)
    else:
        for k in range(1, 4):
            for part in range(2):
                label = np.zeros((40, 12), np.uint8)
                label[5:9, 2:5] = 255 * part
                write(source / f'kos{k:02d}' / f'Part{part}.jpg',
                      np.full((40, 12), 50, np.uint8))
                write(source / f'kos{k:02d}' / f'Part{part}_label.bmp', label)
        convert_ksdd_folds(source, out, counts=(0, ))
        root, size = out / 'fold0', (1408, 512)
    from mmdefect.utils import apply_color_type
    cfg = Config.fromfile(f'{repo}/configs/mffpa/{config}')
    apply_color_type(cfg)  # as the tools do: the config's grey switch
    cfg.train_dataloader.dataset.data_root = str(root)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    sampler = DATA_SAMPLERS.build(
        dict(cfg.train_dataloader.sampler, dataset=dataset, seed=0))
    assert len(sampler) == 2 * len(sampler.positives)
    sample = dataset[0]
    assert sample['inputs'].shape == (1, *size)
    packed = sample['data_samples']
    assert packed.gt_weight_map.data.dtype == torch.float32
    assert packed.gt_dilated_map.data.shape == (1, *size)
    assert int(packed.gt_label) in (0, 1)

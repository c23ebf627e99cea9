"""The converter of the layouts people have
(mmdefect.datasets.converters.folder, tools/dataset_converters/folder.py)
and MixedSplitWriter's label-only images."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmdefect.datasets import DefectDataset
from mmdefect.datasets.converters.folder import (convert_folder,
                                                 stratified_splits)
from mmdefect.datasets.converters.mixed_supervision import MixedSplitWriter

SIZE = 16


def image(value, size=SIZE, dtype=np.uint8):
    return np.full((size, size), value, dtype)


def defect_mask(high=255, size=SIZE):
    mask = np.zeros((size, size), np.uint8)
    mask[4:8, 4:8] = high
    return mask


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def label_folder(root, good=10, masked=6, label_only=5, extra_rows=()):
    """images/ with labels.csv: ``good`` defect-free, ``masked`` defective
    with 0/255 masks, ``label_only`` defective without one."""
    rows = ['image,label,mask']
    for i in range(good):
        write(root / 'images' / f'g{i}.png', image(100 + i))
        rows.append(f'images/g{i}.png,good,')
    for i in range(masked):
        write(root / 'images' / f'm{i}.png', image(50 + i))
        write(root / 'masks' / f'm{i}.png', defect_mask())
        rows.append(f'images/m{i}.png,defective,masks/m{i}.png')
    for i in range(label_only):
        write(root / 'images' / f'l{i}.png', image(10 + i))
        rows.append(f'images/l{i}.png,1,-')
    rows += list(extra_rows)
    (root / 'labels.csv').write_text('\n'.join(rows) + '\n')
    return root / 'labels.csv'


def entries(out, split):
    return json.loads(
        (out / 'splits' / f'{split}.json').read_text())['data_list']


def test_label_file_split_kinds_and_dataset(tmp_path):
    labels = label_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    meta = convert_folder(tmp_path / 'src', out, labels=labels, seed=3)
    # Per kind round(share * n), at least one each from 3 images: good 10 ->
    # 2 test, 1 val; masked 6 -> 1, 1; label-only 5 -> 1, 1 (0.5 -> 1).
    assert meta['splits'] == dict(
        train=dict(images=14, good=7, mask=4, label_only=3),
        val=dict(images=3, good=1, mask=1, label_only=1),
        test=dict(images=4, good=2, mask=1, label_only=1))
    seen = {}
    for split in ('train', 'val', 'test'):
        for entry in entries(out, split):
            name = osp.basename(entry['img_path'])
            assert name not in seen, f'{name} in {seen.get(name)} and {split}'
            seen[name] = split
            if name.startswith('g'):
                assert entry['gt_label'] == 0 and 'seg_map_path' not in entry
            elif name.startswith('m'):
                assert entry['gt_label'] == 1
                mask = cv2.imread(
                    str(out / entry['seg_map_path']), cv2.IMREAD_UNCHANGED)
                assert mask.dtype == np.uint8 and set(
                    np.unique(mask)) == {0, 1}
                np.testing.assert_array_equal(mask, defect_mask(1))
            else:  # label-only: defective, never defect-free
                assert entry['gt_label'] == 1 and 'seg_map_path' not in entry
    assert len(seen) == 21
    for split in ('train', 'val', 'test'):
        dataset = DefectDataset(
            data_root=str(out), ann_file=f'splits/{split}.json', pipeline=[])
        assert len(dataset) == meta['splits'][split]['images']
    stored = cv2.imread(
        str(out / entries(out, 'train')[0]['img_path']), cv2.IMREAD_UNCHANGED)
    assert stored.shape == (SIZE, SIZE)  # grey stays grey
    assert json.loads((out / 'meta.json').read_text())['channels'] == [1]


def test_split_is_seeded_stratified_and_never_empty():
    kinds = ['good'] * 10 + ['mask'] * 6 + ['label_only'] * 5
    first = stratified_splits(kinds, 0.1, 0.2, seed=0)
    assert first == stratified_splits(kinds, 0.1, 0.2, seed=0)
    assert first != stratified_splits(kinds, 0.1, 0.2, seed=1)
    for kind, (train, val, test) in dict(
            good=(7, 1, 2), mask=(4, 1, 1), label_only=(3, 1, 1)).items():
        got = [s for s, k in zip(first, kinds) if k == kind]
        assert (got.count('train'), got.count('val'),
                got.count('test')) == (train, val, test)
    with pytest.raises(
            ValueError,
            match='the val split would hold no '
            'defect-free images: there are 2'):
        stratified_splits(['good'] * 2 + ['mask'] * 6, 0.1, 0.2, 0)
    with pytest.raises(
            ValueError,
            match='no defective images: there are 2 '
            'with a mask and 0 label-only'):
        stratified_splits(['good'] * 9 + ['mask'] * 2, 0.1, 0.2, 0)


def test_class_folders_with_parallel_masks(tmp_path):
    src = tmp_path / 'src'
    for i in range(4):
        write(src / 'good' / f'{i}.png', image(120))
        write(src / 'scratch' / f'{i}.png', image(40))
        write(tmp_path / 'ground_truth' / 'scratch' / f'{i}_mask.png',
              defect_mask())
        write(src / 'dent' / f'{i}.bmp', image(60))
    masks = tmp_path / 'ground_truth'
    meta = convert_folder(
        src,
        tmp_path / 'out',
        masks=masks,
        mask_suffix='_mask',
        val=0.25,
        test=0.25)
    assert meta['layout'] == 'classes'
    total = {
        k: sum(c[k] for c in meta['splits'].values())
        for k in ('good', 'mask', 'label_only')
    }
    assert total == dict(good=4, mask=4, label_only=4)
    types = {}
    for split in ('train', 'val', 'test'):
        for entry in entries(tmp_path / 'out', split):
            types.setdefault(entry['defect_type'], set()).add(
                ('seg_map_path' in entry, entry['gt_label']))
    assert types == dict(
        good={(False, 0)}, scratch={(True, 1)}, dent={(False, 1)})


def test_pairs_and_one_template(tmp_path):
    src = tmp_path / 'pairs'
    for i in range(9):
        defective = i % 3 == 0
        write(src / 'sample' / f'{i}.png', image(90))
        write(src / 'template' / f'{i}.png', image(80 + i))
        write(src / 'mask' / f'{i}.png',
              defect_mask(1) if defective else image(0))
    meta = convert_folder(src, tmp_path / 'out', val=0.2, test=0.2)
    assert meta['layout'] == 'pairs' and meta['templates'] == 9
    for split in ('train', 'val', 'test'):
        for entry in entries(tmp_path / 'out', split):
            stem = osp.splitext(osp.basename(entry['img_path']))[0]
            assert entry['template_path'] == f'templates/template/{stem}.png'
            assert entry['gt_label'] == int(int(stem) % 3 == 0)
            template = cv2.imread(
                str(tmp_path / 'out' / entry['template_path']),
                cv2.IMREAD_UNCHANGED)
            assert template[0, 0] == 80 + int(stem)
    # A label file with one golden template for every row.
    labels = label_folder(tmp_path / 'src')
    write(tmp_path / 'golden.png', image(77))
    meta = convert_folder(
        tmp_path / 'src',
        tmp_path / 'out2',
        labels=labels,
        template=tmp_path / 'golden.png')
    assert meta['templates'] == 1
    assert {e['template_path']
            for e in entries(tmp_path / 'out2', 'test')
            } == {'templates/golden.png'}


def test_mixed_sizes_are_refused_or_resized(tmp_path):
    labels = label_folder(tmp_path / 'src')
    write(tmp_path / 'src' / 'images' / 'g0.png', image(100, size=24))
    with pytest.raises(
            ValueError,
            match=r'differ in size \(2 sizes\), e.g. '
            r'.*g0.png is 24x24 and .*g1.png is 16x16; pass --resize'):
        convert_folder(tmp_path / 'src', tmp_path / 'out', labels=labels)
    assert not (tmp_path / 'out').exists()
    meta = convert_folder(
        tmp_path / 'src', tmp_path / 'out', labels=labels, resize=(32, 20))
    assert meta['size'] == [32, 20]
    for split in ('train', 'val', 'test'):
        for entry in entries(tmp_path / 'out', split):
            img = cv2.imread(
                str(tmp_path / 'out' / entry['img_path']),
                cv2.IMREAD_UNCHANGED)
            assert img.shape == (20, 32)
            if 'seg_map_path' in entry:
                mask = cv2.imread(
                    str(tmp_path / 'out' / entry['seg_map_path']),
                    cv2.IMREAD_UNCHANGED)
                assert mask.shape == (20, 32)
                assert set(np.unique(mask)) == {0, 1}


def test_sixteen_bit_images_keep_their_depth(tmp_path):
    labels = label_folder(tmp_path / 'src')
    write(tmp_path / 'src' / 'images' / 'g0.png',
          image(40000, dtype=np.uint16))
    convert_folder(tmp_path / 'src', tmp_path / 'out', labels=labels, seed=0)
    found = [
        e['img_path'] for split in ('train', 'val', 'test')
        for e in entries(tmp_path / 'out', split)
        if e['img_path'].endswith('/g0.png')
    ]
    img = cv2.imread(str(tmp_path / 'out' / found[0]), cv2.IMREAD_UNCHANGED)
    assert img.dtype == np.uint16 and img[0, 0] == 40000


BAD_ROWS = {
    'unknown label':
    (['images/x.png,scratchy,'], r'labels.csv:23: unknown label .scratchy.'),
    'duplicate row':
    (['images/g1.png,good,'], r'labels.csv:23: image images/g1.png is listed '
     r'again \(first on line 3\)'),
    'missing image':
    (['images/nope.png,good,'], r'labels.csv:23: .*nope.png not found'),
    'outside': (['../x.png,good,'], r'labels.csv:23: image ../x.png lies '
                'outside'),
}


@pytest.mark.parametrize('case', [
    'unknown label', 'duplicate row', 'missing image', 'outside',
    'unreadable image', 'mask size', 'no good images', 'empty label file'
])
def test_bad_label_files_name_file_and_line(tmp_path, case):
    src = tmp_path / 'src'
    rows = BAD_ROWS.get(case, ([], None))
    labels = label_folder(src, extra_rows=rows[0])
    match = rows[1]
    if case == 'unreadable image':
        (src / 'images' / 'g3.png').write_bytes(b'not a png')
        match = r'labels.csv:5: cannot read .*g3.png'
    elif case == 'mask size':
        write(src / 'masks' / 'm2.png', defect_mask(size=20))
        match = (r'labels.csv:14: mask .*m2.png is 20x20 but the image '
                 r'.*m2.png is 16x16')
    elif case == 'no good images':
        labels = label_folder(tmp_path / 'few', good=2)
        src = tmp_path / 'few'
        match = 'split would hold no defect-free images: there are 2'
    elif case == 'empty label file':
        labels.write_text('image,label\n')
        match = 'lists no images'
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        convert_folder(src, tmp_path / 'out', labels=labels)
    assert not (tmp_path / 'out').exists()
    assert not list(tmp_path.glob('out.partial-*'))


def test_bad_folders(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='has no good/ folder'):
        convert_folder(tmp_path / 'empty', tmp_path / 'out')
    (tmp_path / 'empty' / 'good').mkdir()
    with pytest.raises(ValueError, match=r'empty/good holds no images'):
        convert_folder(tmp_path / 'empty', tmp_path / 'out')
    src = tmp_path / 'pairs'
    write(src / 'sample' / 'a.png', image(1))
    write(src / 'template' / 'a.png', image(1))
    (src / 'mask').mkdir()
    with pytest.raises(FileNotFoundError, match=r'a.png: no mask a\.\* in'):
        convert_folder(src, tmp_path / 'out')
    # A good image whose mask holds a defect contradicts its label.
    src = tmp_path / 'classes'
    for i in range(3):
        write(src / 'good' / f'{i}.png', image(1))
        write(src / 'bad' / f'{i}.png', image(1))
    write(tmp_path / 'm' / 'good' / '0.png', defect_mask())
    with pytest.raises(
            ValueError,
            match=r'good/0.png: .*image label 0 but '
            'its mask holds a defect pixel'):
        convert_folder(src, tmp_path / 'out', masks=tmp_path / 'm')
    assert not (tmp_path / 'out').exists()


def test_cli_prints_counts_per_split_and_kind(run_tool, tmp_path):
    labels = label_folder(tmp_path / 'src')
    code, captured = run_tool('folder', tmp_path / 'src', tmp_path / 'out',
                              '--labels', labels, '--seed', '3')
    assert code == 0, captured.err
    lines = captured.out.strip().splitlines()
    assert lines[-5] == ('labels layout: 21 images of 16x16, grey, 0 '
                         'template(s)')
    assert lines[-4] == ('train: 14 images (7 defect-free, 4 defective with '
                         'mask, 3 label-only)')
    assert lines[-2] == ('test: 4 images (2 defect-free, 1 defective with '
                         'mask, 1 label-only)')
    assert lines[-1] == f'written to {tmp_path / "out"}'
    code, captured = run_tool('folder', tmp_path / 'src', tmp_path / 'out2',
                              '--labels', labels, '--val', '0.9')
    assert code == 2 and 'val and test must lie in (0, 1)' in captured.err


def test_cli_says_how_to_keep_colour(run_tool, tmp_path):
    """The folder configs read grey: a colour folder is told the switch."""
    src = tmp_path / 'classes'
    for i in range(3):
        write(src / 'good' / f'{i}.png', np.full((SIZE, SIZE, 3), i, np.uint8))
        write(src / 'bad' / f'{i}.png', np.full((SIZE, SIZE, 3), 9, np.uint8))
    code, captured = run_tool('folder', src, tmp_path / 'out')
    assert code == 0, captured.err
    lines = captured.out.strip().splitlines()
    assert lines[-6] == 'classes layout: 6 images of 16x16, 3 channels, 0 ' \
        'template(s)'
    assert lines[-2] == ('colour images: the folder configs read images '
                         'grey; to keep the colour, add --cfg-options '
                         'color_type=color to train.py, calibrate.py, '
                         'test.py and infer.py')
    assert not any('colour' in line for line in lines[:-2])


def test_mixed_split_writer_never_takes_a_label_for_defect_free(tmp_path):
    writer = MixedSplitWriter(str(tmp_path))
    img = image(5)
    with pytest.raises(ValueError, match='needs a mask or an image label'):
        writer.add('train', 'a', img, None)
    writer.add('train', 'weak', img, None, label=1)
    writer.add('train', 'good', img, None, label=0)
    writer.add('train', 'zeros', img, np.zeros_like(img))
    writer.add('train', 'masked', img, defect_mask())
    with pytest.raises(
            ValueError,
            match='image label 1 but its mask holds '
            'no defect pixel'):
        writer.add('train', 'c', img, np.zeros_like(img), label=1)
    with pytest.raises(ValueError, match='image label 0 but its mask holds a'):
        writer.add('train', 'd', img, defect_mask(), label=0)
    got = {
        osp.basename(e['img_path']): (e['gt_label'], 'seg_map_path' in e)
        for e in writer.samples['train']
    }
    assert got == {
        'weak.png': (1, False),
        'good.png': (0, False),
        'zeros.png': (0, False),
        'masked.png': (1, True)
    }
    meta = writer.finish(None, seed=0)
    assert meta['train'] == dict(images=4, defective=2)
    written = json.loads((tmp_path / 'splits' / 'train.json').read_text())
    assert [e['gt_label'] for e in written['data_list']] == [1, 0, 0, 1]

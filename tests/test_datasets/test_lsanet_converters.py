"""LSA-Net's single-image converters (KolektorSDD, NEU-Seg, Magnetic-tile;
LSA-Net Table 4) on small fakes in the public layouts, and ``DefectDataset``
reading their output."""
import json
import shutil

import cv2
import numpy as np
import pytest

from mmdefect.datasets import DefectDataset
from mmdefect.datasets.converters import (ksdd, magnetic_tile, neu_seg,
                                          single_image)

LOAD = [dict(type='LoadDefectImages'), dict(type='LoadDefectAnnotations')]


def read_split(out, name):
    return [
        line.split()
        for line in (out / 'splits' / f'{name}.txt').read_text().splitlines()
    ]


def ids(out, split):
    """The sample ids of a split; checks the single-image line format."""
    names = []
    for line in read_split(out, split):
        img, template, mask = line
        name = img[len(f'images/{split}/'):]
        assert (img, template, mask) == (f'images/{split}/{name}', '-',
                                         f'masks/{split}/{name}')
        names.append(name[:-len('.png')])
    return names


def read_mask(out, split, name):
    return cv2.imread(
        str(out / 'masks' / split / f'{name}.png'), cv2.IMREAD_UNCHANGED)


def leftovers(out):
    return sorted(p.name for p in out.parent.glob(out.name + '*'))


def texture(rng, h, w):
    small = rng.integers(40, 220, (h // 4 + 1, w // 4 + 1), dtype=np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def resized_mask(binary, size):
    return cv2.resize(
        binary.astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)


# ------------------------------------------------------------ KolektorSDD
# Scaled down: 100 px windows at rows {0, 50, 100, H-100} of 100x260 images
# (the real ones: 500 px at {0, 250, 500, H-500} of about 500x1250).
KSDD_W, KSDD_H, KSDD_SIZE = 100, 260, 128
KSDD_OFFSETS = (0, 50, 100, -100)
KSDD_FAKE = {  # id: defect row spans; windows start at 0, 50, 100, 160
    'kos01/Part0': [(10, 30)],
    'kos01/Part1': [],
    'kos02/Part0': [(120, 140)],
    'kos02/Part1': [],
    'kos03/Part0': [(230, 250)],
    'kos03/Part1': [(40, 60), (200, 210)],
    'kos04/Part0': [],
    'kos04/Part2': [(90, 95)],
}


def write_fake_ksdd(root, seed=0):
    rng = np.random.default_rng(seed)
    for key, spans in KSDD_FAKE.items():
        label = np.zeros((KSDD_H, KSDD_W), np.uint8)
        for top, bottom in spans:
            label[top:bottom, 20:40] = 255
        write(root / f'{key}.jpg', texture(rng, KSDD_H, KSDD_W))
        write(root / f'{key}_label.bmp', label)
    return root


def ksdd_label(root, key):
    return cv2.imread(str(root / f'{key}_label.bmp'), cv2.IMREAD_GRAYSCALE)


def convert_ksdd(root, out, **kwargs):
    kwargs = dict(
        dict(window=KSDD_W, offsets=KSDD_OFFSETS, size=KSDD_SIZE), **kwargs)
    return ksdd.convert_ksdd(root, out, **kwargs)


@pytest.fixture(scope='module')
def ksdd_root(tmp_path_factory):
    return write_fake_ksdd(tmp_path_factory.mktemp('ksdd') / 'KolektorSDD')


@pytest.fixture(scope='module')
def ksdd_out(ksdd_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('ksdd_out') / 'ksdd'
    return out, convert_ksdd(ksdd_root, out)


def test_ksdd_window_offsets():
    assert ksdd.window_offsets(1250, 500) == [0, 250, 500, 750]
    assert ksdd.window_offsets(1000, 500) == [0, 250, 500]  # H-500 = 500
    assert ksdd.window_offsets(600, 500) == [0, 100]  # clipped
    assert ksdd.window_offsets(260, 100, KSDD_OFFSETS) == [0, 50, 100, 160]


def test_ksdd_defect_windows_and_masks(ksdd_root, ksdd_out):
    out, meta = ksdd_out
    defective = [k for k, spans in KSDD_FAKE.items() if spans]
    assert meta['images'] == 8 and meta['defective_images'] == 5
    expected = {}
    for key in defective:
        label = ksdd_label(ksdd_root, key)
        for top in (0, 50, 100, 160):
            if label[top:top + KSDD_W].any():
                expected[f'{key.replace("/", "_")}_{top}'] = label[top:top +
                                                                   KSDD_W]
    written = {n: s for s in ('train', 'test') for n in ids(out, s)}
    assert sorted(written) == sorted(expected)  # only windows with defects
    assert meta['windows_dropped_without_defect'] == 4 * 5 - len(expected)
    source = cv2.imread(
        str(ksdd_root / 'kos03' / 'Part1.jpg'), cv2.IMREAD_UNCHANGED)
    for name, split in written.items():
        mask = read_mask(out, split, name)
        assert mask.shape == (KSDD_SIZE, KSDD_SIZE) and mask.dtype == np.uint8
        assert set(np.unique(mask)) == {0, 1}  # 255 -> 1
        np.testing.assert_array_equal(
            mask, resized_mask(expected[name] > 0, KSDD_SIZE))
        img = cv2.imread(
            str(out / 'images' / split / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        assert img.shape == (KSDD_SIZE, KSDD_SIZE)  # grey, as read
    img = cv2.imread(
        str(out / 'images' / written['kos03_Part1_50'] / 'kos03_Part1_50.png'),
        cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        img, cv2.resize(source[50:150], (KSDD_SIZE, KSDD_SIZE)))


def test_ksdd_split_is_by_source_image(ksdd_root, ksdd_out, tmp_path):
    out, meta = ksdd_out
    split_of = {}
    for split in ('train', 'test'):
        for name in ids(out, split):
            source = name.rsplit('_', 1)[0]
            assert split_of.setdefault(source, split) == split
    assert sorted(split_of.values()).count('train') == 3  # floor(0.75 * 5)
    assert {k.replace('/', '_')
            for k in meta['source_images']['train']
            } == {s
                  for s, split in split_of.items() if split == 'train'}
    assert meta['splits']['train']['images'] == 3
    again = tmp_path / 'again'
    convert_ksdd(ksdd_root, again)
    for split in ('train', 'test'):
        assert ids(again, split) == ids(out, split)
    seeds = {
        tuple(
            convert_ksdd(ksdd_root, tmp_path / f'seed{s}',
                         seed=s)['source_images']['test'])
        for s in range(1, 4)
    }
    assert len(seeds) > 1


def test_ksdd_keep_empty_and_exclude(ksdd_root, tmp_path):
    meta = convert_ksdd(
        ksdd_root, tmp_path / 'all', keep_empty=True, exclude=['kos02/Part0'])
    assert meta['defective_images'] == 4
    windows = sum(s['windows'] for s in meta['splits'].values())
    assert windows == 4 * 4 and meta['windows_dropped_without_defect'] == 0
    with pytest.raises(ValueError, match='not in .*: kos09/Part0'):
        convert_ksdd(ksdd_root, tmp_path / 'x', exclude=['kos09/Part0'])


def test_ksdd_errors(ksdd_root, tmp_path):
    root, out = tmp_path / 'KolektorSDD', tmp_path / 'out'
    shutil.copytree(ksdd_root, root)
    (root / 'kos03' / 'Part1_label.bmp').unlink()
    with pytest.raises(
            FileNotFoundError,
            match=r'label .*kos03/Part1_label.bmp not found for image '
            r'.*kos03/Part1.jpg'):
        convert_ksdd(root, out)
    label = np.zeros((KSDD_H - 4, KSDD_W), np.uint8)
    label[5:9, 5:9] = 255
    write(root / 'kos03' / 'Part1_label.bmp', label)
    with pytest.raises(
            ValueError,
            match=r'mask .*kos03/Part1_label.bmp is 100x256 but '
            r'its image .*kos03/Part1.jpg is 100x260'):
        convert_ksdd(root, out)
    assert leftovers(out) == []  # failed inside the staging folder
    with pytest.raises(ValueError, match=r'Part0.jpg is 100x260: the 120x120'):
        convert_ksdd(ksdd_root, out, window=120)
    shutil.rmtree(root / 'kos04')
    (root / 'kos04').mkdir()
    with pytest.raises(ValueError, match='kos04 holds no PartK.jpg'):
        convert_ksdd(root, out)
    with pytest.raises(ValueError, match='holds no kosNN folders'):
        convert_ksdd(root / 'kos04', out)
    assert leftovers(out) == []


# ---------------------------------------------------------------- NEU-Seg
NEU_SIZE, NEU_SIDE = 64, 48  # the real images: 200 -> 256


def write_fake_sd900(root, per_class=5, seed=0):
    """SD-saliency-900: In/Pa/Sc, masks 0/255 plus 127/128 probes."""
    rng = np.random.default_rng(seed)
    for cls in ('In', 'Pa', 'Sc'):
        for n in range(1, per_class + 1):
            mask = np.zeros((NEU_SIDE, NEU_SIDE), np.uint8)
            y, x = rng.integers(0, NEU_SIDE - 12, 2)
            mask[y:y + 10, x:x + 6] = 255
            mask[0, 0], mask[-1, -1] = 127, 128
            write(root / 'Source Images' / f'{cls}_{n}.bmp',
                  texture(rng, NEU_SIDE, NEU_SIDE))
            write(root / 'Ground truth' / f'{cls}_{n}.png', mask)
    return root


# split: [(name, mask values present)]; 2 patches, 1 inclusion, 3 scratches
NEU_SEG_FAKE = dict(
    training=[('000001', (1, )), ('000002', (2, )), ('000003', (3, )),
              ('000004', (1, 2)), ('000005', ())],
    test=[('000006', (3, )), ('000007', (2, ))])


def write_fake_neu_seg(root, seed=0):
    rng = np.random.default_rng(seed)
    for split, entries in NEU_SEG_FAKE.items():
        for name, values in entries:
            mask = np.zeros((NEU_SIDE, NEU_SIDE), np.uint8)
            for i, value in enumerate(values):
                mask[4 + 20 * i:14 + 20 * i, 8:30] = value
            write(root / 'images' / split / f'{name}.jpg',
                  texture(rng, NEU_SIDE, NEU_SIDE))
            write(root / 'annotations' / split / f'{name}.png', mask)
    return root


@pytest.fixture(scope='module')
def neu_roots(tmp_path_factory):
    base = tmp_path_factory.mktemp('neu')
    return (write_fake_sd900(base / 'SD-saliency-900'),
            write_fake_neu_seg(base / 'NEU_Seg'))


@pytest.fixture(scope='module')
def neu_out(neu_roots, tmp_path_factory):
    out = tmp_path_factory.mktemp('neu_out') / 'neu_seg'
    return out, neu_seg.convert_neu_seg(neu_roots[0], out, size=NEU_SIZE)


def test_neu_sd900_stratified_split_and_masks(neu_roots, neu_out, tmp_path):
    out, meta = neu_out
    assert meta['layout'] == 'sd-saliency-900'
    train, test = ids(out, 'train'), ids(out, 'test')
    # 4/1 per class of 5, as 240/60 of 300; patches left out
    assert meta['splits'] == dict(
        train=dict(images=8, In=4, Sc=4), test=dict(images=2, In=1, Sc=1))
    assert sorted(n[:2] for n in test) == ['In', 'Sc']
    assert not set(train) & set(test)
    assert all(n[:2] in ('In', 'Sc') for n in train)
    for split, names in (('train', train), ('test', test)):
        for name in names:
            raw = cv2.imread(
                str(neu_roots[0] / 'Ground truth' / f'{name}.png'),
                cv2.IMREAD_GRAYSCALE)
            mask = read_mask(out, split, name)
            assert mask.shape == (NEU_SIZE, NEU_SIZE)
            np.testing.assert_array_equal(mask,
                                          resized_mask(raw > 127, NEU_SIZE))
            assert set(np.unique(mask)) == {0, 1}
    again = neu_seg.convert_neu_seg(
        neu_roots[0], tmp_path / 'pa', classes=['Pa', 'In'], seed=1)
    assert again['args']['classes'] == ['In', 'Pa']
    assert again['splits']['test'] == dict(images=2, In=1, Pa=1)


def test_neu_seg_4class_layout(neu_roots, tmp_path):
    out = tmp_path / 'neu'
    meta = neu_seg.convert_neu_seg(neu_roots[1], out, size=NEU_SIZE)
    assert meta['layout'] == 'neu_seg'
    # its own split; images without inclusion (1) or scratch (3) dropped
    assert ids(out, 'train') == ['000001', '000003', '000004']
    assert ids(out, 'test') == ['000006']
    assert meta['images_dropped_without_chosen_class'] == 3
    assert meta['splits']['train'] == dict(images=3, value_1=2, value_3=1)
    # the patch of 000004 is background
    assert meta['other_class_pixels_set_to_background'] == 10 * 22
    raw = cv2.imread(
        str(neu_roots[1] / 'annotations' / 'training' / '000004.png'),
        cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(
        read_mask(out, 'train', '000004'), resized_mask(raw == 1, NEU_SIZE))
    patches = neu_seg.convert_neu_seg(
        neu_roots[1], tmp_path / 'pa', layout='neu_seg', label_values=[2])
    assert patches['splits']['test'] == dict(images=1, value_2=1)


def test_neu_errors(neu_roots, tmp_path):
    out = tmp_path / 'out'
    with pytest.raises(FileNotFoundError, match='holds neither'):
        neu_seg.convert_neu_seg(neu_roots[0] / 'Ground truth', out)
    with pytest.raises(ValueError, match='among In, Pa, Sc'):
        neu_seg.convert_neu_seg(neu_roots[0], out, classes=['Cr'])
    with pytest.raises(ValueError, match='neu_seg layout only'):
        neu_seg.convert_neu_seg(neu_roots[0], out, label_values=[1])
    root = tmp_path / 'SD-saliency-900'
    shutil.copytree(neu_roots[0], root)
    (root / 'Ground truth' / 'Sc_3.png').unlink()
    with pytest.raises(
            FileNotFoundError,
            match=r'mask .*Ground truth/Sc_3.png not found for image '
            r'.*Source Images/Sc_3.bmp'):
        neu_seg.convert_neu_seg(root, out)
    for name in ('In_1.bmp', 'In_2.bmp', 'In_3.bmp', 'In_4.bmp', 'In_5.bmp'):
        (root / 'Source Images' / name).unlink()
    with pytest.raises(ValueError, match='holds no In_N image'):
        neu_seg.convert_neu_seg(root, out)
    root = tmp_path / 'NEU_Seg'
    shutil.copytree(neu_roots[1], root)
    write(root / 'annotations' / 'test' / '000006.png',
          np.full((NEU_SIDE, NEU_SIDE), 255, np.uint8))
    with pytest.raises(ValueError, match=r'000006.png holds values \[255\]'):
        neu_seg.convert_neu_seg(root, out)
    assert leftovers(out) == []  # failed inside the staging folder
    shutil.rmtree(root / 'images' / 'test')
    (root / 'images' / 'test').mkdir()
    with pytest.raises(ValueError, match=r'images/test holds no images'):
        neu_seg.convert_neu_seg(root, out)
    assert leftovers(out) == []


# ---------------------------------------------------------- Magnetic-tile
MT_SIZE = 64
MT_FAKE = dict(Blowhole=4, Break=3, Crack=2, Fray=2, Uneven=3, Free=2)


def write_fake_mt(root, seed=0):
    """Non-square tiles; masks 0/255 with anti-aliased edges."""
    rng = np.random.default_rng(seed)
    for cls, num in MT_FAKE.items():
        for i in range(num):
            h, w = (int(v) for v in rng.integers(50, 110, 2))
            mask = np.zeros((h, w), np.uint8)
            if cls != 'Free':
                cv2.circle(mask, (w // 2, h // 2), 9, 255, -1, cv2.LINE_AA)
                # threshold probes, larger than the resize step
                mask[:4, :4], mask[:4, 8:12] = 128, 127
            stem = f'exp{i % 2}_num_{1000 + i}'
            write(root / f'MT_{cls}' / 'Imgs' / f'{stem}.jpg',
                  texture(rng, h, w))
            write(root / f'MT_{cls}' / 'Imgs' / f'{stem}.png', mask)
    return root


@pytest.fixture(scope='module')
def mt_root(tmp_path_factory):
    return write_fake_mt(tmp_path_factory.mktemp('mt') / 'Magnetic-tile')


@pytest.fixture(scope='module')
def mt_out(mt_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('mt_out') / 'magnetic_tile'
    return out, magnetic_tile.convert_magnetic_tile(mt_root, out, size=MT_SIZE)


def test_mt_paper_test_counts():
    full = {
        c: magnetic_tile.PAPER_COUNTS[c][0]
        for c in 'Blowhole Break '
        'Crack Fray Uneven'.split()
    }
    counts = magnetic_tile.stratified_test_counts(full)
    assert counts == dict(Blowhole=15, Break=11, Crack=8, Fray=4, Uneven=13)
    assert sum(full.values()) - sum(counts.values()) == 341
    half = magnetic_tile.stratified_test_counts(dict(Blowhole=57, Fray=2))
    assert half == dict(Blowhole=7, Fray=1)  # 7.4; at least 1
    assert magnetic_tile.stratified_test_counts(dict(Crack=1)) == dict(Crack=0)


def test_mt_stratified_split_and_binarised_masks(mt_root, mt_out):
    out, meta = mt_out
    # one test image per class (scaled counts round below 1); Free left out
    assert meta['splits']['test'] == dict(
        images=5, Blowhole=1, Break=1, Crack=1, Fray=1, Uneven=1)
    assert meta['splits']['train']['images'] == 14 - 5
    names = {n: s for s in ('train', 'test') for n in ids(out, s)}
    assert len(names) == 14 and not any(n.startswith('Free') for n in names)
    edges = 0
    for name, split in names.items():
        cls, stem = name.split('_', 1)
        raw = cv2.imread(
            str(mt_root / f'MT_{cls}' / 'Imgs' / f'{stem}.png'),
            cv2.IMREAD_GRAYSCALE)
        edges += ((raw > 0) & (raw < 255)).sum()
        mask = read_mask(out, split, name)
        assert mask.shape == (MT_SIZE, MT_SIZE)
        assert set(np.unique(mask)) == {0, 1}
        np.testing.assert_array_equal(mask, resized_mask(raw >= 128, MT_SIZE))
    assert edges > 0  # the fake does hold anti-aliased values


def test_mt_free_and_seed(mt_root, mt_out, tmp_path):
    meta = magnetic_tile.convert_magnetic_tile(
        mt_root, tmp_path / 'free', classes=['Free', 'Crack'], size=MT_SIZE)
    assert meta['splits']['test'] == dict(images=2, Crack=1, Free=1)
    assert meta['pixel_counts']['defect'] > 0
    # a per-class generator: converting a subset keeps that class's split
    crack = [n for n in ids(tmp_path / 'free', 'test') if 'Crack' in n]
    assert crack == [n for n in ids(mt_out[0], 'test') if 'Crack' in n]
    splits = set()
    for seed in range(3):
        magnetic_tile.convert_magnetic_tile(
            mt_root, tmp_path / f'seed{seed}', seed=seed, size=16)
        splits.add(tuple(ids(tmp_path / f'seed{seed}', 'test')))
    assert len(splits) > 1


def test_mt_errors(mt_root, tmp_path):
    root, out = tmp_path / 'MT', tmp_path / 'out'
    shutil.copytree(mt_root, root)
    imgs = root / 'MT_Crack' / 'Imgs'
    (imgs / 'exp1_num_1001.png').unlink()
    with pytest.raises(
            FileNotFoundError,
            match=r'mask .*MT_Crack/Imgs/exp1_num_1001.png not found for '
            r'image .*exp1_num_1001.jpg'):
        magnetic_tile.convert_magnetic_tile(root, out)
    write(imgs / 'exp1_num_1001.png', np.zeros((5, 5), np.uint8))
    with pytest.raises(
            ValueError,
            match=r'mask .*exp1_num_1001.png is 5x5 but its '
            r'image .*exp1_num_1001.jpg is'):
        magnetic_tile.convert_magnetic_tile(root, out)
    assert leftovers(out) == []  # failed inside the staging folder
    shutil.rmtree(imgs)
    imgs.mkdir()
    with pytest.raises(ValueError, match=r'MT_Crack/Imgs holds no Crack'):
        magnetic_tile.convert_magnetic_tile(root, out)
    shutil.rmtree(root / 'MT_Crack')
    with pytest.raises(FileNotFoundError, match='MT_Crack/Imgs not found'):
        magnetic_tile.convert_magnetic_tile(root, out)
    with pytest.raises(ValueError, match='among Blowhole'):
        magnetic_tile.convert_magnetic_tile(root, out, classes=['Stain'])
    assert leftovers(out) == []


# ------------------------------------------------- shared: loading, staging
@pytest.fixture(scope='module')
def outputs(ksdd_out, neu_out, mt_out):
    return dict(
        ksdd=(ksdd_out[0], KSDD_SIZE),
        neu_seg=(neu_out[0], NEU_SIZE),
        magnetic_tile=(mt_out[0], MT_SIZE))


@pytest.mark.parametrize('name', ['ksdd', 'neu_seg', 'magnetic_tile'])
def test_defect_dataset_reads_single_images(outputs, name):
    out, size = outputs[name]
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['classes'] == ['background', 'defect']
    for split in ('train', 'test'):
        dataset = DefectDataset(
            data_root=str(out), ann_file=f'splits/{split}.txt', pipeline=LOAD)
        assert len(dataset) == meta['splits'][split]['images' if name !=
                                                     'ksdd' else 'windows']
        for i in range(len(dataset)):
            assert 'template_path' not in dataset.get_data_info(i)
            item = dataset[i]
            assert item['img'].shape == (size, size, 3)
            mask = cv2.imread(item['seg_map_path'], cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(item['gt_seg_map'], mask)
    # a list read as two columns fails loudly instead of shifting the mask
    with pytest.raises(ValueError, match='3 values but the dataset declares'):
        DefectDataset(
            data_root=str(out),
            ann_file='splits/train.txt',
            columns=('img_path', 'seg_map_path'))


def _convert(name, roots, out, **kwargs):
    if name == 'ksdd':
        return convert_ksdd(roots['ksdd'], out, **kwargs)
    if name == 'neu_seg':
        return neu_seg.convert_neu_seg(roots['neu_seg'], out, **kwargs)
    return magnetic_tile.convert_magnetic_tile(roots['magnetic_tile'], out,
                                               **kwargs)


@pytest.mark.parametrize('name', ['ksdd', 'neu_seg', 'magnetic_tile'])
@pytest.mark.parametrize('overwrite', [False, True])
def test_interruption_leaves_nothing(ksdd_root, neu_roots, mt_root, tmp_path,
                                     monkeypatch, name, overwrite):
    roots = dict(ksdd=ksdd_root, neu_seg=neu_roots[0], magnetic_tile=mt_root)
    out = tmp_path / name
    if overwrite:
        out.mkdir()
        (out / 'old').write_text('kept')
    calls = []
    write_image = single_image.imwrite

    def interrupted(path, img):
        calls.append(path)
        if len(calls) == 5:
            raise KeyboardInterrupt
        write_image(path, img)

    monkeypatch.setattr(single_image, 'imwrite', interrupted)
    with pytest.raises(KeyboardInterrupt):
        _convert(name, roots, out, overwrite=overwrite)
    assert len(calls) == 5
    if overwrite:
        assert leftovers(out) == [name]
        assert [p.name for p in out.iterdir()] == ['old']
    else:
        assert leftovers(out) == []


# ------------------------------------------------------- command lines
# run_tool: tests/test_datasets/conftest.py
def test_cli_write_what_the_library_writes(run_tool, ksdd_root, ksdd_out,
                                           neu_roots, neu_out, mt_root, mt_out,
                                           tmp_path):
    code, std = run_tool('ksdd', ksdd_root, tmp_path / 'ksdd', '--window',
                         KSDD_W, '--offsets', *KSDD_OFFSETS, '--size',
                         KSDD_SIZE)
    assert code == 0, std.err
    assert '5 of 8 images are defective' in std.out
    code, std = run_tool('neu_seg', neu_roots[0], tmp_path / 'neu', '--size',
                         NEU_SIZE)
    assert code == 0 and 'train: 8 images' in std.out, std.err
    code, std = run_tool('magnetic_tile', mt_root, tmp_path / 'mt', '--size',
                         MT_SIZE)
    assert code == 0, std.err
    assert 'test: 5 images (Blowhole 1, Break 1' in std.out
    for cli, (lib, _) in (('ksdd', ksdd_out), ('neu', neu_out), ('mt',
                                                                 mt_out)):
        for split in ('train', 'test'):
            assert (tmp_path / cli / 'splits' / f'{split}.txt').read_text() \
                == (lib / 'splits' / f'{split}.txt').read_text()


def test_cli_reports_errors(run_tool, mt_root, tmp_path):
    root = tmp_path / 'MT'
    shutil.copytree(mt_root, root)
    (root / 'MT_Fray' / 'Imgs' / 'exp0_num_1000.png').unlink()
    code, std = run_tool('magnetic_tile', root, tmp_path / 'out')
    assert code == 2
    assert 'MT_Fray/Imgs/exp0_num_1000.png not found' in std.err
    assert leftovers(tmp_path / 'out') == []

"""SynOCD generator: counts and splits, labels, poses, determinism, layout,
atomic output and the CLI."""
import hashlib
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmdefect.datasets import SynOCDDataset
from mmdefect.datasets import synocd_generator as gen
from mmdefect.datasets.synocd_generator import writer
from mmdefect.datasets.synocd_generator.units import warp

SIZE = 256
COUNTS = dict(zip(gen.KINDS, [5] * 5))  # 3 / 1 / 1 per kind


def digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp('synocd') / 'synocd'
    meta = gen.generate_synocd(out, size=SIZE, counts=dict(COUNTS), seed=0)
    return out, meta


def annotation(root, name):
    return json.loads((root / 'annotations' / f'{name}.json').read_text())


# ------------------------------------------------------- counts and splits
def test_full_size_counts_and_the_papers_split():
    plans = gen.plan_pairs(gen.ocd_counts(), types=8, batches=4, seed=0)
    assert len(plans) == 918
    per_kind = {k: sum(p['kind'] == k for p in plans) for k in gen.KINDS}
    assert per_kind == gen.OCD_COUNTS
    splits = {
        s: sum(p['split'] == s for p in plans)
        for s in ('train', 'val', 'test')
    }
    assert splits == dict(train=551, val=183, test=184)
    assert gen.split_counts(27) == dict(train=16, val=5, test=6)
    assert gen.split_counts(216) == dict(train=130, val=43, test=43)
    # Every (type, batch) of a kind appears; the held-out batches are the
    # last two of every type and never reach training.
    combos = {(p['type'], p['batch'])
              for p in plans if p['kind'] == 'base_scratch'}
    assert len(combos) == 27
    for p in plans:
        assert p['batch_split'] == {
            3: 'test',
            2: 'val'
        }.get(p['batch'], 'train')
    assert gen.ocd_counts(0.01)['base_scratch'] == 5
    assert gen.ocd_counts(clean_fraction=0.1)['clean'] == 92


def test_counts_per_kind_and_split_on_disk(dataset):
    root, meta = dataset
    for split, expected in (('train', 3), ('val', 1), ('test', 1)):
        entries = annotation(root, split)['data_list']
        kinds = [e['kind'] for e in entries]
        assert {
            k: kinds.count(k)
            for k in gen.KINDS
        } == dict.fromkeys(gen.KINDS, expected)
    assert meta['splits']['test'] == dict.fromkeys(gen.KINDS, 1)
    batch_split = sum(
        len(annotation(root, f'batch_{s}')['data_list'])
        for s in ('train', 'val', 'test'))
    assert batch_split == 25


def test_masks_are_binary_and_never_empty(dataset):
    root, _ = dataset
    for entry in annotation(root, 'train')['data_list'] + annotation(
            root, 'test')['data_list']:
        mask = cv2.imread(
            str(root / entry['seg_map_path']), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (SIZE, SIZE)
        assert set(np.unique(mask)) == {0, 1}, entry['img_path']
        assert int(mask.sum()) == entry['defect_pixels']


# ------------------------------------------------------------- the labels
@pytest.mark.parametrize('index,kind', enumerate(gen.KINDS))
def test_labels_lie_where_the_defect_was_drawn(index, kind):
    pair = gen.Pair(3, kind, index, index % 8, index % 4, SIZE)
    drawn, label = pair._label(pair.pose)
    assert label.any() and not (label & ~drawn).any()
    # Outside its (anti-aliased) footprint the sample is the defect-free
    # unit.
    touched = warp(pair.footprint, pair.canvas, pair.pose) > 0.01
    grow = cv2.dilate(touched.astype(np.uint8), np.ones((7, 7), np.uint8))
    _, mask = pair.sample()
    np.testing.assert_array_equal(mask, label.astype(np.uint8))
    diff = np.abs(
        warp(pair.dirty, pair.canvas, pair.pose) -
        warp(pair.clean, pair.canvas, pair.pose)).max(2)
    assert diff[grow == 0].max() < 1.0  # a soft edge fades within 3 px
    assert (diff[label] >= gen.pairs.VISIBLE_DIFF).all()


@pytest.mark.parametrize(
    'kind', ['component_pollution', 'base_crushing', 'component_breakage'])
def test_the_template_holds_no_defect(kind):
    """Registered with the sample, the template differs from it most where
    the defect is: the defect is in the sample only."""
    inside, outside = [], []
    for index in range(4):
        pair = gen.Pair(1, kind, index, index, index, SIZE)
        sample, mask = pair.sample()
        aligned = cv2.warpAffine(pair.template,
                                 gen.pose_matrix(pair.pose, SIZE),
                                 (SIZE, SIZE)).astype(np.float32)
        diff = np.abs(sample - aligned).max(2)
        inside.append(diff[mask == 1].mean())
        outside.append(diff[mask == 0].mean())
    assert np.mean(inside) > 1.5 * np.mean(outside)


def test_warping_the_template_by_the_pose_registers_it(dataset):
    root, _ = dataset
    for entry in annotation(root, 'train')['data_list']:
        sample = cv2.imread(str(root / entry['img_path'])).astype(np.float32)
        template = cv2.imread(str(root / entry['template_path']))
        mask = cv2.imread(str(root / entry['seg_map_path']), 0)
        matrix = gen.pose_matrix(entry['pose'], SIZE)
        aligned = cv2.warpAffine(template, matrix, (SIZE, SIZE))
        seen = cv2.warpAffine(
            np.ones((SIZE, SIZE), np.uint8), matrix, (SIZE, SIZE)) > 0
        keep = seen & (mask == 0)
        raw = np.abs(sample - template).mean(2)[keep].mean()
        registered = np.abs(sample - aligned).mean(2)[keep].mean()
        assert registered < raw, entry['img_path']


def test_borders_come_from_the_canvas_not_a_fill():
    """Under the largest pose the sample's corners still show the drawn
    fixture (textured), never a constant border."""
    pair = gen.Pair(0, 'base_scratch', 0, 0, 0, SIZE, preset='hard')
    pose = dict(tx=32., ty=32., angle=10., scale=1.)
    image, _ = pair.sample(pose)
    corner = image[:24, :24].astype(np.float32)
    assert corner.std() > 1.0
    assert gen.pairs.canvas_side(
        SIZE) >= 2 * (128 *
                      (np.cos(np.deg2rad(10)) + np.sin(np.deg2rad(10))) + 32)


def test_presets_bound_the_pose():
    for name, preset in gen.PRESETS.items():
        for index in range(6):
            pair = gen.Pair(0, 'wire_count', index, 0, 0, 128, preset=name)
            t = preset['translation'] * 128 / 256
            assert abs(pair.pose['tx']) <= t and abs(pair.pose['ty']) <= t
            assert abs(pair.pose['angle']) <= preset['rotation']
            assert pair.pose['scale'] == 1.0
    scaled = gen.Pair(0, 'wire_count', 0, 0, 0, 128, scale=0.02)
    assert abs(scaled.pose['scale'] - 1) <= 0.02


# ------------------------------------------------------------------ sweep
def test_sweep_renders_the_test_scenes_at_every_pose(dataset):
    root, meta = dataset
    test = {
        e['img_path'].split('/')[-1]: e
        for e in annotation(root, 'test')['data_list']
    }
    assert meta['sweep']['pairs'] == 5
    for (t, r), name in gen.sweep_names().items():
        entries = annotation(root, f'sweep_{name}')['data_list']
        assert len(entries) == 5
        for entry in entries:
            base = test[entry['img_path'].split('/')[-1]]
            assert entry['template_path'] == base['template_path']
            assert np.hypot(entry['pose']['tx'],
                            entry['pose']['ty']) == pytest.approx(
                                t, abs=1e-2)
            assert abs(entry['pose']['angle']) == r
            assert (root / entry['img_path']).is_file()
    # The control and the default pose show the same scene and defect.
    control = annotation(root, 'sweep_t00_r00')['data_list'][0]
    assert control['kind'] == annotation(root, 'test')['data_list'][0]['kind']


# ----------------------------------------------------- determinism, layout
def test_byte_identical_rerun_and_workers(dataset, tmp_path):
    root, _ = dataset
    again = tmp_path / 'again'
    gen.generate_synocd(
        again, size=SIZE, counts=dict(COUNTS), seed=0, workers=2)
    assert digests(again) == digests(root)


def test_dataset_class_reads_the_annotations(dataset):
    root, _ = dataset
    ds = SynOCDDataset(
        data_root=str(root),
        ann_file='annotations/test.json',
        pipeline=[
            dict(type='LoadDefectImages'),
            dict(type='LoadDefectAnnotations'),
            dict(type='PackDefectInputs')
        ])
    assert len(ds) == 5
    item = ds[0]
    assert item['inputs'].shape == (6, SIZE, SIZE)
    assert int(item['data_samples'].gt_label) == 1
    assert 'pose' in ds.get_data_info(0)


def test_clean_pairs(tmp_path):
    counts = dict(COUNTS, clean=5)
    gen.generate_synocd(tmp_path / 'c', size=128, counts=counts, sweep=False)
    entries = json.loads((tmp_path / 'c' / 'annotations' /
                          'train.json').read_text())['data_list']
    clean = [e for e in entries if e['kind'] == 'clean']
    assert len(clean) == 3 and all(e['defect_pixels'] == 0 for e in clean)


@pytest.mark.parametrize('exc', [KeyboardInterrupt, RuntimeError])
def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch, exc):
    write, calls = writer.write_pair, []

    def flaky(*args):
        calls.append(1)
        if len(calls) > 3:
            raise exc
        return write(*args)

    monkeypatch.setattr(writer, 'write_pair', flaky)
    with pytest.raises(exc):
        gen.generate_synocd(tmp_path / 'out', size=128, counts=dict(COUNTS))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('kwargs,message', [
    (dict(size=32), 'size must be >= 64'),
    (dict(preset='extreme'), 'preset must be one of'),
    (dict(batches=2), 'batches must be >= 3'),
    (dict(counts=dict(COUNTS, base_scratch=2)), 'at least 5'),
])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gen.generate_synocd(tmp_path / 'out',
                            **dict(dict(counts=COUNTS), **kwargs))
    assert not (tmp_path / 'out').exists()


def test_cli(tmp_path, repo):
    out = tmp_path / 'cli'
    cmd = [
        sys.executable, 'tools/dataset_converters/synocd.py',
        str(out), '--size', '128', '--pairs-per-kind', '5', '5', '5', '5', '5',
        '--no-sweep', '--preset', 'easy'
    ]
    run = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['args']['preset'] == 'easy' and not meta['args']['sweep']
    assert not (out / 'sweep').exists()
    run = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert run.returncode != 0 and 'already exists' in run.stderr

"""SynLCD generator: determinism, labels, on-disk layout and atomic output."""
import hashlib
import importlib.util
import json
import signal
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmdefect.datasets import synlcd_generator as gen

SIZE = 64
PER_PATTERN = 8  # line 2, abpt 1, mixed 1, clean 4 per pattern
DEFECT_LABELS = dict(line={1}, abpt={2}, mixed={1, 2}, clean=set())


def digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def read_split(root, name):
    return [
        line.split()
        for line in (root / 'splits' / f'{name}.txt').read_text().splitlines()
    ]


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp('synlcd') / 'synlcd'
    meta = gen.generate_synlcd(
        out, size=SIZE, per_pattern=PER_PATTERN, seed=0, workers=1)
    return out, meta


# ------------------------------------------------------------ determinism
def test_same_seed_is_byte_identical_across_workers(dataset, tmp_path):
    out, _ = dataset
    again = tmp_path / 'again'
    gen.generate_synlcd(
        again, size=SIZE, per_pattern=PER_PATTERN, seed=0, workers=2)
    assert digests(again) == digests(out)


def test_other_seed_differs(dataset, tmp_path):
    out, _ = dataset
    other = tmp_path / 'other'
    gen.generate_synlcd(other, size=SIZE, per_pattern=PER_PATTERN, seed=1)
    a, b = digests(out), digests(other)
    assert a.keys() == b.keys()
    images = [k for k in a if k.startswith('images/')]
    assert sum(a[k] != b[k] for k in images) == len(images)
    templates = [k for k in a if k.startswith('templates/')]
    assert all(a[k] == b[k] for k in templates)


# ----------------------------------------------------------------- patterns
@pytest.mark.parametrize('size', [64, 97, 256])
def test_patterns_are_fixed_images_of_any_size(size):
    for pid, name in enumerate(gen.PATTERN_NAMES):
        img = gen.make_pattern(pid, size)
        assert img.shape == (size, size, 3) and img.dtype == np.uint8
        assert img.std() > 10, name
        fresh = gen.PATTERNS[name](size)
        np.testing.assert_array_equal(img, fresh)
        assert len(gen.edge_points(pid, size)) > 0


def test_templates_on_disk_are_the_clean_patterns(dataset):
    out, _ = dataset
    for pid, name in enumerate(gen.PATTERN_NAMES):
        saved = cv2.imread(str(out / 'templates' / f'{name}.png'))[..., ::-1]
        np.testing.assert_array_equal(saved, gen.make_pattern(pid, SIZE))


# ------------------------------------------------------------------- labels
@pytest.mark.parametrize('sample_type', ['line', 'abpt', 'mixed'])
def test_labels_mark_exactly_the_visible_defect(sample_type):
    size = 96
    for pid in range(len(gen.PATTERN_NAMES)):
        for index in range(2):
            img, mask = gen.render_sample(
                pid, sample_type, index, seed=3, size=size, apply_sigma=False)
            template = gen.make_pattern(pid, size)
            assert img.shape == template.shape and mask.shape == (size, size)
            assert set(np.unique(mask)) - {0} == DEFECT_LABELS[sample_type]
            diff = np.abs(img.astype(int) - template).max(-1)
            # every label pixel is visibly changed ...
            assert diff[mask > 0].min() >= gen.VISIBLE_DIFF
            # ... and away from the label (beyond the blur halo) the sample is
            # the template
            near = cv2.dilate((mask > 0).astype(np.uint8),
                              np.ones((9, 9), np.uint8)) > 0
            assert np.mean(diff[~near] >= gen.VISIBLE_DIFF) < 0.005
            assert diff[~near].mean() < 0.3


def test_clean_samples_and_sigma():
    img, mask = gen.render_sample(2, 'clean', 0, size=SIZE, apply_sigma=False)
    np.testing.assert_array_equal(img, gen.make_pattern(2, SIZE))
    assert not mask.any()
    noisy, mask = gen.render_sample(2, 'clean', 0, size=SIZE)
    assert not mask.any() and not np.array_equal(noisy, img)
    # sigma comes last, so the defects do not depend on it
    _, with_sigma = gen.render_sample(5, 'mixed', 1, size=SIZE)
    _, without = gen.render_sample(5, 'mixed', 1, size=SIZE, apply_sigma=False)
    np.testing.assert_array_equal(with_sigma, without)


def test_lines_cross_the_screen():
    size = 256
    for index in range(4):
        _, mask = gen.render_sample(
            3, 'line', index, size=size, apply_sigma=False)
        extent = max(mask.any(0).sum(), mask.any(1).sum())
        assert extent >= 0.3 * size  # at least 30 % of a line is visible


# ------------------------------------------------------------------- layout
def test_layout_and_counts(dataset):
    out, meta = dataset
    counts = gen.sample_counts(PER_PATTERN)
    assert counts == dict(line=2, abpt=1, mixed=1, clean=4)
    expected = dict(train=7, test=3)
    templates = {}
    for split, n_patterns in expected.items():
        rows = read_split(out, split)
        assert len(rows) == n_patterns * PER_PATTERN
        assert meta['splits'][split]['counts']['total'] == len(rows)
        templates[split] = {row[1] for row in rows}
        assert len(templates[split]) == n_patterns
        for subset in ('line', 'abpt'):
            sub = read_split(out, f'{split}_{subset}')
            assert len(sub) == n_patterns * (counts[subset] + counts['clean'])
            assert all(f'_{subset}_' in r[0] or '_clean_' in r[0] for r in sub)
        pixels = np.zeros(3, np.int64)
        for image, template, mask in rows:
            assert image.startswith(f'images/{split}/')
            assert mask == image.replace('images/', 'masks/', 1)
            img = cv2.imread(str(out / image), cv2.IMREAD_UNCHANGED)
            tpl = cv2.imread(str(out / template), cv2.IMREAD_UNCHANGED)
            lbl = cv2.imread(str(out / mask), cv2.IMREAD_UNCHANGED)
            assert img.shape == tpl.shape == (SIZE, SIZE, 3)
            assert lbl.shape == (SIZE, SIZE) and lbl.dtype == np.uint8
            sample_type = image.rsplit('_', 2)[1]
            assert set(np.unique(lbl)) - {0} == DEFECT_LABELS[sample_type]
            pixels += np.bincount(lbl.ravel(), minlength=3)
        assert list(meta['splits'][split]['pixel_counts'].values()) == \
            pixels.tolist()
    assert not templates['train'] & templates['test']
    assert {f'templates/{p}.png' for p in gen.DEFAULT_TEST_PATTERNS} == \
        templates['test']
    on_disk = json.loads((out / 'meta.json').read_text())
    assert on_disk['args'] == dict(
        size=SIZE,
        per_pattern=PER_PATTERN,
        seed=0,
        apply_sigma=True,
        test_share=None,
        test_patterns=list(gen.DEFAULT_TEST_PATTERNS))
    assert [p['split'] for p in on_disk['patterns']].count('test') == 3


def test_images_held_out_share_the_patterns(dataset, tmp_path):
    out = tmp_path / 'seen'
    meta = gen.generate_synlcd(out, size=SIZE, per_pattern=12, test_share=0.3)
    # Per pattern: line 2, abpt 2, mixed 2, clean 6; the last
    # round(0.3 n) of each (1, 1, 1, 2) are tested.
    train, test = read_split(out, 'train'), read_split(out, 'test')
    assert len(test) == 10 * 5 and len(train) == 10 * 7
    assert meta['splits']['test']['counts'] == dict(
        line=10, abpt=10, mixed=10, clean=20, total=50)
    templates = {f'templates/{p}.png' for p in gen.PATTERN_NAMES}
    assert {r[1] for r in train} == {r[1] for r in test} == templates
    stems = {
        split: {r[0].rsplit('/', 1)[1]
                for r in rows}
        for split, rows in (('train', train), ('test', test))
    }
    assert not stems['train'] & stems['test']
    assert {
        '00_rgb_blocks_line_0001.png', '00_rgb_blocks_clean_0004.png',
        '00_rgb_blocks_clean_0005.png'
    } <= stems['test']
    assert '00_rgb_blocks_clean_0003.png' in stems['train']
    # A sample's pixels do not depend on the split it lands in.
    patterns_out, _ = dataset
    for name in ('images', 'masks'):
        held_out = cv2.imread(
            str(out / name / 'test' / '00_rgb_blocks_line_0001.png'),
            cv2.IMREAD_UNCHANGED)
        trained = cv2.imread(
            str(patterns_out / name / 'train' / '00_rgb_blocks_line_0001.png'),
            cv2.IMREAD_UNCHANGED)
        assert np.array_equal(held_out, trained)
    assert meta['args']['test_share'] == 0.3
    assert meta['args']['test_patterns'] == []
    assert {p['split'] for p in meta['patterns']} == {'train+test'}


def test_uneven_per_pattern_is_distributed():
    assert gen.sample_counts(600) == dict(
        line=100, abpt=100, mixed=100, clean=300)
    assert gen.sample_counts(11) == dict(line=2, abpt=2, mixed=2, clean=5)
    assert sum(gen.sample_counts(13).values()) == 13


@pytest.mark.parametrize('kwargs, message', [
    (dict(size=32), 'size must be >= 64'),
    (dict(per_pattern=5), 'per_pattern must be >= 6'),
    (dict(seed=-1), 'seed must be >= 0'),
    (dict(workers=0), 'workers must be >= 1'),
    (dict(size=64.0), 'size must be an integer'),
    (dict(test_patterns=['nope']), 'unknown pattern'),
    (dict(test_patterns=['07', '07_faces_lfw']), 'duplicate'),
    (dict(test_patterns=gen.PATTERN_NAMES), 'at least one pattern'),
    (dict(test_patterns=['07'], test_share=0.3), 'exclude each other'),
    (dict(test_share=1.0), r'must be in \(0, 1\)'),
    (dict(per_pattern=6, test_share=0.3), 'leaves a split without one'),
])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gen.generate_synlcd(tmp_path / 'out', **kwargs)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- atomicity
def _fail_after(monkeypatch, n, exc):
    write = gen.writer.write_sample
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) > n:
            raise exc
        return write(*args)

    monkeypatch.setattr(gen.writer, 'write_sample', flaky)


@pytest.mark.parametrize('exc', [KeyboardInterrupt, RuntimeError])
def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch, exc):
    _fail_after(monkeypatch, 3, exc)
    with pytest.raises(exc):
        gen.generate_synlcd(tmp_path / 'out', size=SIZE, per_pattern=6)
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_unless_overwrite(tmp_path, monkeypatch):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'keep.txt').write_text('old')
    with pytest.raises(FileExistsError, match='--overwrite'):
        gen.generate_synlcd(out, size=SIZE, per_pattern=6)
    # a failing overwrite keeps the old data set too
    with monkeypatch.context() as m:
        _fail_after(m, 2, RuntimeError('disk'))
        with pytest.raises(RuntimeError):
            gen.generate_synlcd(out, size=SIZE, per_pattern=6, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ['out']
    assert (out / 'keep.txt').read_text() == 'old'
    gen.generate_synlcd(out, size=SIZE, per_pattern=6, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ['out']
    assert not (out / 'keep.txt').exists() and (out / 'meta.json').exists()


# ---------------------------------------------------------------------- CLI
def test_cli_runs_as_a_script(tmp_path, repo):
    out = tmp_path / 'cli'
    cmd = [
        sys.executable, 'tools/dataset_converters/synlcd.py',
        str(out), '--size', '64', '--per-pattern', '6', '--test-patterns', '0',
        '1'
    ]
    run = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['args']['test_patterns'] == list(gen.PATTERN_NAMES[:2])
    assert len(read_split(out, 'test')) == 12


@pytest.mark.parametrize('args, message', [
    (['--size', '32'], 'size must be >= 64'),
    (['--test-patterns', 'nope'], 'unknown pattern'),
    (['--test-patterns', '07', '--test-share', '0.3'], 'not allowed with'),
    ([], 'already exists'),
])
def test_cli_errors(tmp_path, repo, monkeypatch, capsys, args, message):
    monkeypatch.syspath_prepend(f'{repo}/tools/dataset_converters')
    spec = importlib.util.spec_from_file_location(
        'synlcd_cli', f'{repo}/tools/dataset_converters/synlcd.py')
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    monkeypatch.setattr(signal, 'signal', lambda *args: None)
    (tmp_path / 'out').mkdir()
    monkeypatch.setattr(
        sys, 'argv', ['synlcd.py', str(tmp_path / 'out'), *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ['out']

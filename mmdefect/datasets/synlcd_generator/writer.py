"""Writing SynLCD to disk: splits, meta data, workers and atomic output."""
import multiprocessing as mp
import os
import signal

import cv2
import numpy as np

from mmdefect.utils.atomic_io import staged_output
from ..converters.common import imwrite, write_meta, write_split
from . import defects
from .defects import SAMPLE_TYPES, render_sample
from .patterns import (DEFAULT_TEST_PATTERNS, PATTERN_NAMES, REFERENCE_SIZE,
                       make_pattern, resolve_pattern)

GENERATOR_VERSION = '1.0.0'
CLASSES = ('background', 'line', 'abpt')
SPLITS = ('train', 'test')
MIN_SIZE = 64
MIN_PER_PATTERN = 6
# Fixed rather than left to OpenCV's default: the level changes the bytes.
PNG_PARAMS = (cv2.IMWRITE_PNG_COMPRESSION, 3)


def sample_counts(per_pattern):
    """Per-pattern counts: half defect-free, the rest split evenly over the
    three defect types (the remainder goes to line, then abpt)."""
    n_clean = per_pattern // 2
    base, rem = divmod(per_pattern - n_clean, 3)
    return dict(
        line=base + (rem > 0),
        abpt=base + (rem > 1),
        mixed=base,
        clean=n_clean)


def test_count(count: int, test_share: float) -> int:
    """Samples of one pattern and type held out for testing when images,
    not patterns, are held out: the last ``round(test_share * count)``."""
    return int(round(test_share * count))


def write_sample(root, task, cfg):
    """Render and write one sample; returns (task, per-class pixel counts)."""
    split, pid, sample_type, index = task
    image, mask = render_sample(pid, sample_type, index, cfg['seed'],
                                cfg['size'], cfg['apply_sigma'])
    stem = f'{PATTERN_NAMES[pid]}_{sample_type}_{index:04d}'
    imwrite(
        os.path.join(root, 'images', split, stem + '.png'), image[..., ::-1],
        PNG_PARAMS)
    imwrite(
        os.path.join(root, 'masks', split, stem + '.png'), mask, PNG_PARAMS)
    return task, np.bincount(mask.ravel(), minlength=len(CLASSES)).tolist()


def _run_task(job):
    return write_sample(*job)


def _init_worker():
    # The parent handles Ctrl-C; workers are terminated by the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cv2.setNumThreads(1)


def _validate(size, per_pattern, seed, workers, test_patterns, test_share):
    for name, value in (('size', size), ('per_pattern', per_pattern),
                        ('seed', seed), ('workers', workers)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise ValueError(f'{name} must be an integer, got {value!r}')
    if size < MIN_SIZE:
        raise ValueError(f'size must be >= {MIN_SIZE}, got {size}')
    if per_pattern < MIN_PER_PATTERN:
        raise ValueError(f'per_pattern must be >= {MIN_PER_PATTERN} (one '
                         f'sample of each type and 3 defect-free), got '
                         f'{per_pattern}')
    if seed < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    if test_share is not None:
        if test_patterns is not None:
            raise ValueError('test_patterns and test_share exclude each '
                             'other: hold out patterns or images')
        if not 0 < test_share < 1:
            raise ValueError(f'test_share must be in (0, 1), got {test_share}')
        for sample_type, count in sample_counts(per_pattern).items():
            if not 0 < test_count(count, test_share) < count:
                raise ValueError(
                    f'test_share {test_share} of the {count} {sample_type} '
                    'samples of a pattern leaves a split without one; '
                    'raise per_pattern or change test_share')
        return []
    if test_patterns is None:
        test_patterns = DEFAULT_TEST_PATTERNS
    if isinstance(test_patterns, (str, int)):
        test_patterns = [test_patterns]
    test_ids = sorted({resolve_pattern(p) for p in test_patterns})
    if len(test_ids) != len(list(test_patterns)):
        raise ValueError(f'duplicate test patterns: {list(test_patterns)}')
    if not 0 < len(test_ids) < len(PATTERN_NAMES):
        raise ValueError('test_patterns must leave at least one pattern for '
                         'each of train and test')
    return test_ids


def _library_versions():
    import scipy
    import skimage
    import sklearn
    return dict(
        numpy=np.__version__,
        opencv=cv2.__version__,
        scikit_image=skimage.__version__,
        scikit_learn=sklearn.__version__,
        scipy=scipy.__version__)


def _build(root, cfg, test_ids, workers, progress):
    share = cfg.get('test_share')
    counts = sample_counts(cfg['per_pattern'])

    def split_of(pid, sample_type, index):
        if share is None:
            return 'test' if pid in test_ids else 'train'
        held_out = test_count(counts[sample_type], share)
        return 'test' if index >= counts[sample_type] - held_out else 'train'

    for sub in ('templates', *(f'{d}/{s}' for d in ('images', 'masks')
                               for s in SPLITS)):
        os.makedirs(os.path.join(root, sub))
    for pid, name in enumerate(PATTERN_NAMES):
        imwrite(
            os.path.join(root, 'templates', name + '.png'),
            make_pattern(pid, cfg['size'])[..., ::-1], PNG_PARAMS)

    tasks = [(split_of(pid, t, i), pid, t, i)
             for pid in range(len(PATTERN_NAMES)) for t in SAMPLE_TYPES
             for i in range(counts[t])]
    jobs = [(root, task, cfg) for task in tasks]
    pixels = {s: np.zeros(len(CLASSES), np.int64) for s in SPLITS}
    if workers == 1:
        results = map(_run_task, jobs)
        pool = None
    else:
        pool = mp.get_context('spawn').Pool(workers, _init_worker)
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        results = pool.imap(_run_task, jobs, chunksize=chunk)
    try:
        for done, (task, hist) in enumerate(results, 1):
            pixels[task[0]] += hist
            if progress is not None:
                progress(done, len(jobs))
    finally:
        if pool is not None:
            pool.terminate()  # joins the workers: nothing writes after this
            pool.join()

    lists = {}
    for split, pid, t, i in tasks:
        stem = f'{PATTERN_NAMES[pid]}_{t}_{i:04d}'
        line = (f'images/{split}/{stem}.png templates/{PATTERN_NAMES[pid]}.png'
                f' masks/{split}/{stem}.png')
        lists.setdefault(split, []).append(line)
        for subset in ('line', 'abpt'):
            if t in (subset, 'clean'):
                lists.setdefault(f'{split}_{subset}', []).append(line)
    for name in (*SPLITS, *(f'{s}_{t}' for s in SPLITS
                            for t in ('line', 'abpt'))):
        write_split(root, name, lists.get(name, []))

    per_split = {}
    for split in SPLITS:
        mine = [task for task in tasks if task[0] == split]
        per_split[split] = dict(
            patterns=[
                p for i, p in enumerate(PATTERN_NAMES)
                if any(task[1] == i for task in mine)
            ],
            counts={
                **{
                    t: sum(task[2] == t for task in mine)
                    for t in SAMPLE_TYPES
                }, 'total': len(mine)
            },
            pixel_counts=dict(zip(CLASSES, pixels[split].tolist())))
    pattern_splits = {
        pid:
        '+'.join(
            s for s in SPLITS if any(task[0] == s and task[1] == pid
                                     for task in tasks))
        for pid in range(len(PATTERN_NAMES))
    }
    meta = dict(
        generator='mmdefect.datasets.synlcd_generator',
        version=GENERATOR_VERSION,
        reference='CADNet, Section 4.1 and Table 1',
        args=dict(cfg, test_patterns=[PATTERN_NAMES[i] for i in test_ids]),
        classes=list(CLASSES),
        patterns=[
            dict(id=i, name=p, split=pattern_splits[i])
            for i, p in enumerate(PATTERN_NAMES)
        ],
        splits=per_split,
        parameters=dict(
            colors=defects.DEFECT_COLORS,
            opacities=defects.OPACITIES,
            line_widths_at_512=defects.LINE_WIDTHS,
            abpt_radii_at_512=defects.ABPT_RADII,
            brightness_biases=defects.BRIGHTNESS_BIASES,
            contrast_alphas=defects.CONTRAST_ALPHAS,
            iso_levels=defects.ISO_LEVELS,
            rgb_deviations=defects.RGB_DEVIATIONS,
            visible_diff=defects.VISIBLE_DIFF),
        library_versions=_library_versions())
    write_meta(root, meta)
    return meta


def generate_synlcd(out_dir,
                    size=REFERENCE_SIZE,
                    per_pattern=600,
                    seed=0,
                    workers=1,
                    test_patterns=None,
                    test_share=None,
                    overwrite=False,
                    apply_sigma=True,
                    progress=None):
    """Generate SynLCD into ``out_dir`` and return its meta dict.

    The data set is built in ``<out_dir>.partial-<pid>`` and renamed to
    ``out_dir`` only once complete, so ``out_dir`` never holds a partial data
    set; the staging directory is removed on any exception (Ctrl-C included).
    An existing ``out_dir`` is an error unless ``overwrite``, in which case it
    is moved aside, replaced and then deleted.

    Args:
        test_patterns: patterns whose samples all go to the test split (by
            name or id; default :data:`DEFAULT_TEST_PATTERNS`): the paper's
            test of unseen backgrounds.
        test_share: instead, hold out images: the last
            ``round(test_share * n)`` of the ``n`` samples of every pattern
            and type go to the test split, so that training and testing
            share the patterns (one product, new units); a sample's pixels
            do not depend on its split.
        progress: optional ``callable(done, total)`` called after each sample.
    """
    test_ids = _validate(size, per_pattern, seed, workers, test_patterns,
                         test_share)
    cfg = dict(
        size=int(size),
        per_pattern=int(per_pattern),
        seed=int(seed),
        apply_sigma=bool(apply_sigma),
        test_share=None if test_share is None else float(test_share))
    with staged_output(out_dir, overwrite) as staging:
        meta = _build(staging, cfg, test_ids, workers, progress)
    return meta

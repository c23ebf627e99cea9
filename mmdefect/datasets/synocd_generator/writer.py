"""Writing SynOCD to disk: pairs, splits, sweep, annotations, workers and
atomic output."""
import multiprocessing as mp
import os
import signal
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from mmdefect.utils.atomic_io import staged_output, write_data
from ..converters.common import imwrite, write_meta
from .defects import KINDS, OCD_COUNTS
from .pairs import (CLEAN, PRESETS, SWEEP_ROTATIONS, SWEEP_TRANSLATIONS,
                    VISIBLE_DIFF, Pair, sweep_names)

GENERATOR_VERSION = '1.0.0'
CLASSES = ('background', 'defect')
SPLITS = ('train', 'val', 'test')
MIN_SIZE = 64
# Fixed rather than left to OpenCV's default: the level changes the bytes.
PNG_PARAMS = (cv2.IMWRITE_PNG_COMPRESSION, 3)


def split_counts(num: int) -> Dict[str, int]:
    """The paper's 6:2:2 split of one defect kind (BANet Sec. IV-C):
    round(0.6 n) / round(0.2 n) / the rest, e.g. 551 / 183 / 184 in all."""
    train, val = int(round(0.6 * num)), int(round(0.2 * num))
    return dict(train=train, val=val, test=num - train - val)


def plan_pairs(counts: Dict[str, int], types: int, batches: int,
               seed: int) -> List[dict]:
    """One entry per pair: kind, index, type, batch, random and batch split.

    Pairs of a kind go round-robin over the types, and the batch advances
    by one more every round, so that any ``types * batches`` consecutive
    pairs of a kind cover every (type, batch) once.
    The random split is stratified per kind; the batch split holds out the
    last batch of every type for testing and the one before it for
    validation, so that their backgrounds are never seen in training.
    """
    pairs = []
    for kind_id, kind in enumerate((*KINDS, CLEAN)):
        num = counts.get(kind, 0)
        if not num:
            continue
        order = np.random.default_rng([seed, 5, kind_id]).permutation(num)
        sizes = split_counts(num)
        split_of = np.empty(num, object)
        split_of[order[:sizes['train']]] = 'train'
        split_of[order[sizes['train']:sizes['train'] + sizes['val']]] = 'val'
        split_of[order[sizes['train'] + sizes['val']:]] = 'test'
        for index in range(num):
            type_id = index % types
            batch = (type_id + index // types) % batches
            held = {batches - 1: 'test', batches - 2: 'val'}
            pairs.append(
                dict(
                    kind=kind,
                    index=index,
                    type=type_id,
                    batch=batch,
                    split=str(split_of[index]),
                    batch_split=held.get(batch, 'train')))
    return pairs


def _stem(plan: dict) -> str:
    return f"{plan['kind']}_{plan['index']:04d}"


def write_pair(root: str, plan: dict, cfg: dict) -> dict:
    """Render and write one pair (and its sweep views if it is a test pair);
    returns its annotation record."""
    pair = Pair(cfg['seed'], plan['kind'], plan['index'], plan['type'],
                plan['batch'], cfg['size'], cfg['preset'], cfg['scale'])
    stem = _stem(plan)
    sample, mask = pair.sample()
    imwrite(
        os.path.join(root, 'templates', stem + '.png'),
        pair.template[..., ::-1], PNG_PARAMS)
    imwrite(
        os.path.join(root, 'images', stem + '.png'), sample[..., ::-1],
        PNG_PARAMS)
    imwrite(os.path.join(root, 'masks', stem + '.png'), mask, PNG_PARAMS)
    record = dict(
        img_path=f'images/{stem}.png',
        template_path=f'templates/{stem}.png',
        seg_map_path=f'masks/{stem}.png',
        **pair.record,
        defect_pixels=int(mask.sum()))
    sweep = {}
    if cfg['sweep'] and plan['split'] == 'test':
        for (t, r), name in sweep_names().items():
            pose = pair.sweep_pose(cfg['seed'], t, r)
            image, label = pair.sample(pose)
            folder = os.path.join(root, 'sweep', name)
            imwrite(
                os.path.join(folder, 'images', stem + '.png'),
                image[..., ::-1], PNG_PARAMS)
            imwrite(
                os.path.join(folder, 'masks', stem + '.png'), label,
                PNG_PARAMS)
            sweep[name] = dict(pose=pose, defect_pixels=int(label.sum()))
    return dict(plan=plan, record=record, sweep=sweep)


def _run(job):
    return write_pair(*job)


def _init_worker():
    # The parent handles Ctrl-C; workers are terminated by the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cv2.setNumThreads(1)


def _annotation(entries: List[dict], split: str, cfg: dict) -> dict:
    return dict(
        metainfo=dict(
            classes=list(CLASSES),
            dataset='SynOCD',
            split=split,
            size=cfg['size'],
            preset=cfg['preset']),
        data_list=entries)


def _validate(size, counts, types, batches, preset, scale, workers, seed):
    for name, value in (('size', size), ('types', types), ('batches', batches),
                        ('workers', workers), ('seed', seed)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise ValueError(f'{name} must be an integer, got {value!r}')
    if size < MIN_SIZE:
        raise ValueError(f'size must be >= {MIN_SIZE}, got {size}')
    if types < 1 or workers < 1 or seed < 0:
        raise ValueError('types and workers must be >= 1 and seed >= 0')
    if batches < 3:
        raise ValueError(f'batches must be >= 3 (train, val and test '
                         f'batches of the batch split), got {batches}')
    if preset not in PRESETS:
        raise ValueError(f'preset must be one of {tuple(PRESETS)}, got '
                         f'{preset!r}')
    if not 0 <= scale < 0.2:
        raise ValueError(f'scale must lie in [0, 0.2), got {scale}')
    for kind, num in counts.items():
        if num < 5 and not (kind == CLEAN and num == 0):
            raise ValueError(f'{kind}: {num} pairs; at least 5 are needed '
                             'for the 6:2:2 split')


def ocd_counts(fraction: float = 1.0,
               pairs_per_kind: Optional[Sequence[int]] = None,
               clean_fraction: float = 0.0) -> Dict[str, int]:
    """Pairs per kind: the OCDs counts times ``fraction`` (at least 5), or
    ``pairs_per_kind`` in :data:`KINDS` order; plus defect-free pairs."""
    if pairs_per_kind is not None:
        if len(pairs_per_kind) != len(KINDS):
            raise ValueError(f'pairs_per_kind needs {len(KINDS)} numbers '
                             f'({", ".join(KINDS)}), got {pairs_per_kind}')
        counts = dict(zip(KINDS, (int(n) for n in pairs_per_kind)))
    else:
        if not 0 < fraction <= 1:
            raise ValueError(f'fraction must lie in (0, 1], got {fraction}')
        counts = {
            k: max(5, int(round(n * fraction)))
            for k, n in OCD_COUNTS.items()
        }
    if not 0 <= clean_fraction <= 1:
        raise ValueError('clean_fraction must lie in [0, 1], got '
                         f'{clean_fraction}')
    counts[CLEAN] = int(round(clean_fraction * sum(counts.values())))
    return counts


def generate_synocd(out_dir: str,
                    size: int = 256,
                    counts: Optional[Dict[str, int]] = None,
                    types: int = 8,
                    batches: int = 4,
                    preset: str = 'default',
                    scale: float = 0.0,
                    seed: int = 0,
                    workers: int = 1,
                    sweep: bool = True,
                    overwrite: bool = False,
                    progress=None) -> dict:
    """Generate SynOCD into ``out_dir``; returns its meta dict.

    Built in ``<out_dir>.partial-<pid>`` and renamed when complete
    (:func:`~mmdefect.utils.staged_output`), so ``out_dir`` never holds a
    partial data set.  Layout (``docs/synocd.md``):
    ``images/``, ``templates/``, ``masks/`` (one file per pair),
    ``annotations/{train,val,test}.json`` (random 6:2:2 split per kind),
    ``annotations/batch_{train,val,test}.json`` (held-out batches),
    ``sweep/<tXX_rYY>/{images,masks}/`` and ``annotations/sweep_<tXX_rYY>
    .json`` (the random test split under every sweep pose), ``meta.json``.

    Args:
        counts (dict, optional): Pairs per kind (see :func:`ocd_counts`);
            the OCDs counts by default.
        progress: optional ``callable(done, total)`` called per pair.
    """
    counts = dict(counts or ocd_counts())
    _validate(size, counts, types, batches, preset, scale, workers, seed)
    cfg = dict(
        size=int(size),
        preset=preset,
        scale=float(scale),
        seed=int(seed),
        sweep=bool(sweep))
    plans = plan_pairs(counts, types, batches, seed)
    with staged_output(out_dir, overwrite) as root:
        folders = ['images', 'templates', 'masks', 'annotations']
        if sweep:
            folders += [
                os.path.join('sweep', name, sub)
                for name in sweep_names().values()
                for sub in ('images', 'masks')
            ]
        for folder in folders:
            os.makedirs(os.path.join(root, folder))
        jobs = [(root, plan, cfg) for plan in plans]
        if workers == 1:
            results, pool = map(_run, jobs), None
        else:
            pool = mp.get_context('spawn').Pool(workers, _init_worker)
            chunk = max(1, min(8, len(jobs) // (workers * 8)))
            results = pool.imap(_run, jobs, chunksize=chunk)
        outputs = []
        try:
            for done, output in enumerate(results, 1):
                outputs.append(output)
                if progress is not None:
                    progress(done, len(jobs))
        finally:
            if pool is not None:
                pool.terminate()  # joins the workers: nothing writes after
                pool.join()
        meta = _write_annotations(root, outputs, cfg, counts, types, batches)
    return meta


def _write_annotations(root, outputs, cfg, counts, types, batches) -> dict:
    lists = {name: [] for name in SPLITS}
    lists.update({f'batch_{name}': [] for name in SPLITS})
    sweeps = {name: [] for name in sweep_names().values()}
    per_split = {name: {} for name in lists}
    for output in outputs:
        plan, record = output['plan'], output['record']
        for name in (plan['split'], f"batch_{plan['batch_split']}"):
            lists[name].append(record)
            per_split[name][plan['kind']] = per_split[name].get(
                plan['kind'], 0) + 1
        for name, view in output['sweep'].items():
            stem = _stem(plan)
            sweeps[name].append({
                **record, 'img_path': f'sweep/{name}/images/{stem}.png',
                'seg_map_path': f'sweep/{name}/masks/{stem}.png',
                **view
            })
    for name, entries in lists.items():
        write_data(
            os.path.join(root, 'annotations', f'{name}.json'),
            _annotation(entries, name, cfg),
            indent=1)
    if cfg['sweep']:
        for name, entries in sweeps.items():
            write_data(
                os.path.join(root, 'annotations', f'sweep_{name}.json'),
                _annotation(entries, f'sweep_{name}', cfg),
                indent=1)
    pixels = sum(o['record']['defect_pixels'] for o in outputs)
    meta = dict(
        generator='mmdefect.datasets.synocd_generator',
        version=GENERATOR_VERSION,
        reference='BANet Sec. III-B (noise types), IV-C (OCDs); '
        'BGNet Sec. 1, 4.1.3 (OCDs); magnitudes: our choices, '
        'docs/synocd.md',
        args=dict(cfg, types=types, batches=batches),
        classes=list(CLASSES),
        counts=counts,
        splits=per_split,
        presets=PRESETS,
        sweep=dict(
            translations=list(SWEEP_TRANSLATIONS),
            rotations=list(SWEEP_ROTATIONS),
            pairs=len(sweeps[next(iter(sweeps))])),
        label_rule=dict(visible_diff=VISIBLE_DIFF),
        pixel_counts=dict(
            defect=int(pixels), total=int(len(outputs) * cfg['size']**2)),
        library_versions=dict(numpy=np.__version__, opencv=cv2.__version__))
    write_meta(root, meta)
    return meta

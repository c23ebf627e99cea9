"""Training and testing configs with a common budget, as a user would run
them (``tools/train.py`` and ``tools/test.py`` in their own processes).

Used by the benchmark scripts of ``tools/analysis_tools``: every model of a
comparison gets the same data, iterations and batch; finished runs (a
``metrics.json`` in their work dir) are reused, so a benchmark can be
interrupted, resumed, or split over several processes.  A finished training
leaves ``trained.json`` (its wall time and threads): after a metric changes,
:func:`forget_test` makes the next run test the checkpoint again without
training it again.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence

import torch
from mmengine.config import Config

from .staging import write_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = 'metrics.json'
TRAINED = 'trained.json'


def run_tool(args: Sequence[str], log: str) -> None:
    """Run a Python tool of the repository; its output goes to ``log``."""
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable, *args],
                              cwd=REPO,
                              stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'{" ".join(args)} failed; see {log}')


def budget_options(iters: int, batch_size: int) -> List[str]:
    """``--cfg-options`` of a training budget: ``iters`` iterations of
    ``batch_size``, no validation, one checkpoint at the end."""
    return [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters + 1}',
        f'train_dataloader.batch_size={batch_size}',
        f'default_hooks.checkpoint.interval={iters}',
        'default_hooks.checkpoint.save_best=None'
    ]


def budget_config(config: str, folder: str, train_crop=None) -> str:
    """The config a budget run trains, written into ``folder`` where it
    differs from ``config``; returns its path.

    * An epoch-based schedule becomes an ``IterBasedTrainLoop`` (the budget
      counts iterations), with iteration checkpoints and logs, and no
      epoch-stepped scheduler (it would never step within the budget: the
      learning rate stays at its initial value).  mmengine's
      ``DefaultSampler`` becomes an infinite one; any other sampler (the
      frequency-of-use sampler of mixed supervision) is kept, since the
      loop re-iterates it epoch after epoch.
    * ``train_crop``: a defect-holding random crop after the annotations are
      loaded (before every derived target).  mmseg's ``RandomCrop`` with
      ``cat_max_ratio=0.999`` retries (up to ten times) until no class
      covers more than 99.9 % of the crop, i.e. until the crop holds some
      defect where one is reachable.
    """
    cfg = Config.fromfile(config)
    suffix = ''
    if cfg.train_cfg.get('type') == 'EpochBasedTrainLoop':
        cfg.train_cfg = dict(
            type='IterBasedTrainLoop', max_iters=1, val_interval=1)
        if cfg.train_dataloader.sampler.get('type') == 'DefaultSampler':
            cfg.train_dataloader.sampler = dict(
                type='InfiniteSampler', shuffle=True)
        cfg.default_hooks.checkpoint.by_epoch = False
        cfg.log_processor = dict(by_epoch=False)
        cfg.param_scheduler = [
            s for s in cfg.get('param_scheduler') or []
            if not s.get('by_epoch', True)
        ]
        suffix += '_iters'
    if train_crop:
        pipeline = cfg.train_dataloader.dataset.pipeline
        loads = [
            i for i, t in enumerate(pipeline)
            if t['type'] == 'LoadDefectAnnotations'
        ]
        if not loads:
            raise ValueError(f'{config}: no LoadDefectAnnotations in the '
                             'training pipeline to crop after')
        pipeline.insert(
            loads[0] + 1,
            dict(
                type='RandomCrop',
                crop_size=(train_crop, train_crop),
                cat_max_ratio=0.999))
        suffix += f'_train-crop{train_crop}'
    if not suffix:
        return config
    stem = osp.splitext(osp.basename(config))[0]
    path = osp.join(folder, f'{stem}{suffix}.py')
    cfg.dump(path)
    return path


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint a finished training left (mmengine's
    ``last_checkpoint`` file: the iteration or epoch it ended at)."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(marker):
        raise FileNotFoundError(f'{work_dir}: no last_checkpoint; did the '
                                'training finish?')
    with open(marker) as f:
        return f.read().strip()


def train_and_test(config: str,
                   work_dir: str,
                   train_options: Sequence[str] = (),
                   test_options: Sequence[str] = (),
                   name: Optional[str] = None) -> dict:
    """Train ``config``, test its last checkpoint, return the test metrics
    (with ``train_seconds`` and the torch threads it trained with,
    ``train_threads``).

    ``train_options`` set the budget (:func:`budget_options` and whatever
    schedule keys the config needs to end with it), or none to train the
    config's own schedule.
    """
    done = osp.join(work_dir, METRICS)
    if osp.exists(done):  # finished by an earlier (or parallel) run
        with open(done) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    trained = osp.join(work_dir, TRAINED)
    if osp.exists(trained):  # trained earlier, tested again
        with open(trained) as f:
            training = json.load(f)
    else:
        start = time.time()
        train_args = ['tools/train.py', config, '--work-dir', work_dir]
        if train_options:
            train_args += ['--cfg-options', *train_options]
        run_tool(train_args, osp.join(work_dir, 'train.log'))
        # The training inherits this process's thread count
        # (OMP_NUM_THREADS): runs side by side on one core each take longer
        # than a quiet one.
        training = dict(
            train_seconds=round(time.time() - start, 1),
            train_threads=torch.get_num_threads())
        write_json(trained, training)
    test_dir = osp.join(work_dir, 'test')
    test_args = [
        'tools/test.py', config,
        last_checkpoint(work_dir), '--work-dir', test_dir
    ]
    if test_options:
        test_args += ['--cfg-options', *test_options]
    run_tool(test_args, osp.join(work_dir, 'test.log'))
    result = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[-1]
    with open(result) as f:
        metrics = json.load(f)
    metrics.update(training)
    print(f'{name or config}: {metrics}', flush=True)
    write_json(done, metrics)
    return metrics


def forget_test(work_dir: str) -> None:
    """Drop the test result of a finished run, keeping its training: the
    next :func:`train_and_test` tests the checkpoint again.  Runs from
    before ``trained.json`` get it from their metrics."""
    done = osp.join(work_dir, METRICS)
    if not osp.exists(done):
        return
    trained = osp.join(work_dir, TRAINED)
    if not osp.exists(trained):
        with open(done) as f:
            metrics = json.load(f)
        write_json(
            trained, {
                key: metrics[key]
                for key in ('train_seconds', 'train_threads') if key in metrics
            })
    os.remove(done)


def write_json(path: str, content: dict) -> None:
    """Write ``content`` to ``path`` atomically (a killed run leaves the
    old file or none, never half of one)."""
    write_file(path, json.dumps(content, indent=2).encode())


def write_marked_block(path: str, marker: str, text: str) -> None:
    """Put ``text`` between ``<!-- marker:start -->`` and ``<!--
    marker:end -->`` in a markdown file (appended the first time),
    atomically."""
    start, end = f'<!-- {marker}:start -->', f'<!-- {marker}:end -->'
    content = open(path).read() if osp.exists(path) else ''
    block = f'{start}\n{text}\n{end}'
    if start in content and end in content:
        head, rest = content.split(start, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip() + '\n\n' + block + '\n'
    write_file(path, content.encode())

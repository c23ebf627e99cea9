"""Training and testing configs with a common budget, as a user would run
them (``tools/train.py`` and ``tools/test.py`` in their own processes).

Used by the benchmark scripts of ``tools/analysis_tools``: every model of a
comparison gets the same data, iterations and batch; finished runs (a
``metrics.json`` in their work dir) are reused, so a benchmark can be
interrupted, resumed, or split over several processes.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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


def train_and_test(config: str,
                   work_dir: str,
                   iters: int,
                   train_options: Sequence[str] = (),
                   test_options: Sequence[str] = (),
                   name: Optional[str] = None) -> dict:
    """Train ``config`` for ``iters`` iterations, test the last checkpoint,
    return its metrics (with ``train_seconds``).

    ``train_options`` must include the budget (:func:`budget_options` and
    whatever schedule keys the config needs to end at ``iters``).
    """
    done = osp.join(work_dir, 'metrics.json')
    if osp.exists(done):  # finished by an earlier (or parallel) run
        with open(done) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    run_tool([
        'tools/train.py', config, '--work-dir', work_dir, '--cfg-options',
        *train_options
    ], osp.join(work_dir, 'train.log'))
    seconds = time.time() - start
    test_dir = osp.join(work_dir, 'test')
    test_args = [
        'tools/test.py', config,
        osp.join(work_dir, f'iter_{iters}.pth'), '--work-dir', test_dir
    ]
    if test_options:
        test_args += ['--cfg-options', *test_options]
    run_tool(test_args, osp.join(work_dir, 'test.log'))
    result = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[-1]
    with open(result) as f:
        metrics = json.load(f)
    metrics['train_seconds'] = round(seconds, 1)
    print(f'{name or config}: {metrics}', flush=True)
    with open(done, 'w') as f:
        json.dump(metrics, f, indent=2)
    return metrics


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
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(content)
    os.replace(tmp, path)

"""The leaderboard on one GPU machine within one time budget: every method on
SynOCD and SynLCD, all parts side by side on the one GPU, with larger
batches, at ten times the CPU board's images per method or more.

    # on the GPU machine, from the repository root (gpu_board.sh installs
    # the OpenMMLab wheels that gpu_wheels.sh collected, then runs this)
    OUT=out WHEELS=.gpu/whl BUDGET_S=540 bash tools/benchmarks/gpu_board.sh
    # back here: the runs into docs/leaderboard.json, beside the CPU board
    python tools/benchmarks/leaderboard.py --merge out/gpu_board.json
    # a dry run on the CPU: tiny data, 2 iterations
    OUT=out bash tools/benchmarks/gpu_board.sh --tiny --methods SegFormer-B0

The budget of each data set is the CPU board's (its main run in
``docs/leaderboard.json``: training crop, seed, recipe) with a larger batch
(``--batch``) and the learning rate scaled by the linear scaling rule
(Goyal et al., "Accurate, Large Minibatch SGD", 2017): ``lr = lr_cpu x batch
/ batch_cpu``.  The steps, each timed in the summary:

1. data: the board's data sets generated as ``board.yaml`` says, with many
   workers (the generators' output does not depend on them), SynOCD
   without its misalignment sweep unless ``--sweep``.  Meanwhile the GPU is
   idle: each method's training step and batched inference are measured
   alone there (``benchmark.py``'s measurement, 256 x 256 inputs).
2. probe: every part trains ``--probe-iters`` iterations, all side by side;
   its logged seconds per iteration and its start-up under that load.
3. plan: per data set, the largest common iteration count (a multiple of
   50) at which the slowest part's start-up + iterations x s/it x 1.1 +
   calibration and test (``--after-train-s``) ends within the budget,
   stated against the target of ``--factor`` x the CPU board's images.
   ``--iters`` fixes it instead (no probe).
4. board: every part side by side, trained, calibrated on the validation
   split and tested (``budget_runs.train_and_test``); a part still running
   at the deadline is stopped and reported with the step it reached.
5. sweep (``--sweep``, where time is left): the misalignment sweep of
   SynOCD's paired models.

``$OUT`` receives ``gpu_board.json`` (``docs/leaderboard.json``'s format,
one run per data set, setting ``gpu_iters<N>_batch<B>_lr<lr>_...``),
``summary.txt``, ``gpu.csv`` (nvidia-smi every 5 s, each sample tagged with
its step) and ``logs.tar.gz`` (the work dir's configs and logs, no
checkpoints); the wrapper adds ``run.log``.
"""
import argparse
import datetime
import glob
import importlib.util
import json
import math
import os
import os.path as osp
import platform
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch
from board import Board, load_board
from budget_runs import (CALIBRATION, METRICS, REPO, TRAINED, Budget,
                         DeadlineError, budget_config, last_checkpoint,
                         machine, run_budgeted, run_sweep, run_tool)
from leaderboard import part_options
from report import (CALIBRATED, GPU, HALF, RESULTS, STORED, load_results,
                    main_run, number, read, save_results, setting_name)

from mmdefect.utils import write_file

BENCHMARK = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')
# The data sets of the board (its out-of-class split of SynLCD is not run).
DATASETS = ('synocd', 'synlcd')
BATCH = dict(synocd=32, synlcd=16)
STEP = 50  # iteration counts are multiples of this
SAFETY = 1.1  # planned seconds per iteration: the probe's x this
# --tiny: the dry run of the whole script on a CPU in about a minute.
TINY_DATA = dict(
    synocd=['--size', '64', '--fraction', '0.05'],
    synlcd=['--size', '64', '--per-pattern', '6'])
TINY_CROP = 32


@dataclass(frozen=True)
class Settings:
    """What one GPU board run does, from its command line."""
    board: Board
    datasets: List[str]
    methods: List[str]
    batch: Dict[str, int]
    iters: Dict[str, int]  # fixed iteration counts (no probe for them)
    train_crop: Dict[str, Optional[int]]
    reference: Dict[str, dict]  # the CPU board's budget per data set
    seed: int
    device: str
    out: str
    work_dir: str
    budget_s: float
    started_at: float
    factor: float
    probe_iters: int
    after_train_s: float
    reserve_s: float  # for the results and the archive at the end
    data_workers: int
    loader_workers: int
    max_iters: Optional[int]
    sweep: bool
    tiny: bool

    def lr(self, key: str) -> float:
        """The linear scaling rule on the CPU board's learning rate."""
        ref = self.reference[key]
        return ref['lr'] * self.batch[key] / ref['batch_size']

    def target_iters(self, key: str) -> int:
        """Iterations that see ``factor`` x the CPU board's images."""
        ref = self.reference[key]
        return math.ceil(self.factor * ref['iters'] * ref['batch_size'] /
                         self.batch[key])


def key_values(parser, items: List[str], option: str, keys, cast=int) -> dict:
    """``KEY=VALUE`` arguments as a dict; a bad one is a usage error."""
    values = {}
    for item in items:
        key, _, value = item.partition('=')
        try:
            if key not in keys:
                raise ValueError
            values[key] = cast(value)
        except ValueError:
            parser.error(f'{option} {item}: expected KEY=VALUE with KEY in '
                         f'{list(keys)}')
    return values


def parse_args(argv=None) -> Settings:
    board = load_board()
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0].replace('\n', ' '))
    parser.add_argument('--out', required=True, help='folder of the results')
    parser.add_argument(
        '--budget-s',
        type=float,
        default=540,
        help='seconds for everything, from --started-at')
    parser.add_argument(
        '--started-at',
        type=float,
        help='time.time() the budget counts from (gpu_board.sh passes its '
        'own start, so that installing the wheels counts); default: now')
    parser.add_argument(
        '--datasets', nargs='+', default=list(DATASETS), choices=DATASETS)
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(board.methods),
        choices=board.methods)
    for option, help_ in (
        ('--batch', f'training batch of a data set (default {BATCH})'),
        ('--iters', 'fixed iterations of a data set (no probe for it)'),
        ('--train-crop',
         "training crop of a data set (default: the CPU board's)")):
        parser.add_argument(
            option, nargs='+', default=[], metavar='KEY=N', help=help_)
    parser.add_argument('--seed', type=int, help="default: the CPU board's")
    parser.add_argument(
        '--factor',
        type=float,
        default=10.0,
        help="target images per method, relative to the CPU board's")
    parser.add_argument('--probe-iters', type=int, default=40)
    parser.add_argument(
        '--after-train-s',
        type=float,
        default=130.0,
        help='planned seconds of a part after its training (calibration '
        'and test at its operating point, and again at the '
        'good-images-only point: four processes)')
    parser.add_argument(
        '--data-workers',
        type=int,
        default=max(1, (os.cpu_count() or 2) - 2),
        help='processes of the data generators, all data sets together')
    parser.add_argument(
        '--loader-workers',
        type=int,
        default=2,
        help='data loader workers of every part')
    parser.add_argument(
        '--max-iters', type=int, help='upper bound of the planned iterations')
    parser.add_argument(
        '--sweep',
        action='store_true',
        help="render SynOCD's misalignment sweep with its data and sweep its "
        'paired models where time is left')
    parser.add_argument(
        '--device',
        choices=['cuda', 'cpu'],
        help='default: cuda (cpu with --tiny)')
    parser.add_argument(
        '--data',
        nargs='+',
        default=[],
        metavar='KEY=PATH',
        help='another data folder of a data set (generated if missing)')
    parser.add_argument('--work-dir', default='work_dirs/gpu_board')
    parser.add_argument(
        '--tiny',
        action='store_true',
        help='dry run: 64 x 64 data of a few images per kind, batch 2, '
        f'{TINY_CROP} px crops, a probe of 2 iterations, at most 2 '
        'iterations, on the CPU')
    args = parser.parse_args(argv)
    datasets = args.datasets
    folders = key_values(parser, args.data, '--data', DATASETS, osp.abspath)
    batch = dict(BATCH)
    if args.tiny:
        batch = dict.fromkeys(DATASETS, 2)
    batch.update(key_values(parser, args.batch, '--batch', DATASETS))
    results = load_results(osp.join(REPO, RESULTS))
    reference = {}
    for key in datasets:
        run = main_run(results, key)
        if run is None or 'iters' not in run['budget']:
            parser.error(f'{RESULTS} has no CPU board run of {key} to scale')
        reference[key] = run['budget']
    crops = {key: reference[key].get('train_crop') for key in datasets}
    if args.tiny:
        crops = {key: crop and TINY_CROP for key, crop in crops.items()}
    crops.update(key_values(parser, args.train_crop, '--train-crop', DATASETS))
    device = args.device or ('cpu' if args.tiny else 'cuda')
    return Settings(
        board=board.with_data(folders),
        datasets=datasets,
        methods=args.methods,
        batch=batch,
        iters=key_values(parser, args.iters, '--iters', DATASETS),
        train_crop=crops,
        reference=reference,
        seed=reference[datasets[0]]['seed']
        if args.seed is None else args.seed,
        device=device,
        out=osp.abspath(args.out),
        work_dir=osp.abspath(args.work_dir),
        budget_s=args.budget_s,
        started_at=args.started_at or time.time(),
        factor=args.factor,
        probe_iters=2 if args.tiny else args.probe_iters,
        after_train_s=args.after_train_s,
        reserve_s=5.0 if args.tiny else 20.0,
        data_workers=args.data_workers,
        loader_workers=1 if args.tiny else args.loader_workers,
        max_iters=2 if args.tiny else args.max_iters,
        sweep=args.sweep,
        tiny=args.tiny)


class Clock:
    """The budget's clock and the steps' times."""

    def __init__(self, settings: Settings):
        self.start = settings.started_at
        self.end = settings.started_at + settings.budget_s
        self.steps: List[Tuple[str, float, float]] = []
        self.step = 'start-up'

    def left(self) -> float:
        return self.end - time.time()

    def begin(self, name: str) -> None:
        self.step = name
        self.steps.append((name, time.time() - self.start, math.nan))
        log(f'{name} ({self.left():.0f} s left)')

    def done(self) -> None:
        name, start, _ = self.steps[-1]
        self.steps[-1] = (name, start, time.time() - self.start)


def log(text: str) -> None:
    print(f'[{datetime.datetime.now():%H:%M:%S}] {text}', flush=True)


class GpuSampler(threading.Thread):
    """nvidia-smi every ``interval`` seconds into ``path``: utilisation,
    memory and power of the GPU, each sample tagged with the clock's step.
    Without nvidia-smi (a CPU dry run) nothing is written."""

    FIELDS = 'utilization.gpu,memory.used,memory.total,power.draw'

    def __init__(self, path: str, clock: Clock, interval: float = 5.0):
        super().__init__(daemon=True)
        self.path, self.clock, self.interval = path, clock, interval
        self.stop = threading.Event()
        self.available = shutil.which('nvidia-smi') is not None

    def run(self) -> None:
        if not self.available:
            return
        with open(self.path, 'w') as f:
            f.write('step,t_s,util_gpu_pct,mem_used_mib,mem_total_mib,'
                    'power_w\n')
            while not self.stop.is_set():
                try:
                    out = subprocess.run([
                        'nvidia-smi', f'--query-gpu={self.FIELDS}',
                        '--format=csv,noheader,nounits'
                    ],
                                         capture_output=True,
                                         text=True,
                                         timeout=10).stdout
                    values = ','.join(v.strip()
                                      for v in out.splitlines()[0].split(','))
                except (OSError, IndexError, subprocess.SubprocessError):
                    values = ',,,'
                f.write(f'{self.clock.step},'
                        f'{time.time() - self.clock.start:.0f},{values}\n')
                f.flush()
                self.stop.wait(self.interval)


def gpu_digest(path: str) -> List[str]:
    """Mean and largest utilisation and the largest memory of each step."""
    if not osp.exists(path):
        return ['no nvidia-smi samples (no nvidia-smi on this machine)']
    steps: Dict[str, list] = {}
    with open(path) as f:
        for line in f.read().splitlines()[1:]:
            cells = line.split(',')
            try:
                steps.setdefault(cells[0], []).append(
                    (float(cells[2]), float(cells[3]), float(cells[4])))
            except (IndexError, ValueError):
                continue
    lines = []
    for step, rows in steps.items():
        util = [r[0] for r in rows]
        lines.append(f'{step}: {len(rows)} samples, GPU utilisation mean '
                     f'{sum(util) / len(util):.0f} % max {max(util):.0f} %, '
                     f'memory used max {max(r[1] for r in rows):.0f} of '
                     f'{rows[0][2]:.0f} MiB')
    return lines or ['no readable nvidia-smi samples']


@dataclass(frozen=True, eq=False)  # parts are told apart by identity
class Part:
    """One method on one data set."""
    dataset: str
    method: str
    config: str
    options: dict

    @property
    def folder(self) -> str:
        return osp.join(self.dataset, self.method.replace(' ', '_'))


def make_parts(settings: Settings) -> List[Part]:
    """The board's parts with their data, splits and class balance
    (``leaderboard.part_options``) and the loaders' workers."""
    parts = []
    for key in settings.datasets:
        for name in settings.methods:
            config, options = part_options(settings.board, key, name, True)
            for loader in ('train', 'val', 'test'):
                options[f'{loader}_dataloader.num_workers'] = \
                    settings.loader_workers
            parts.append(Part(key, name, config, options))
    return parts


def gpu_budget(settings: Settings, key: str, iters: int) -> Budget:
    return Budget(
        iters=iters,
        batch_size=settings.batch[key],
        lr=settings.lr(key),
        seed=settings.seed,
        train_crop=settings.train_crop[key],
        device=settings.device)


def logged(part: Part, iters: int) -> dict:
    """The part's config keys with about ten log lines of its training,
    whatever its length (the speeds come from them)."""
    return dict(
        part.options,
        **{'default_hooks.logger.interval': min(50, max(1, iters // 10))})


def write_config(settings: Settings, part: Part, step: str, iters: int) -> str:
    """The part's config at ``iters`` iterations, in ``<step>/<part>``."""
    return budget_config(part.config,
                         osp.join(settings.work_dir, step, part.folder),
                         gpu_budget(settings, part.dataset, iters),
                         logged(part, iters))


# 1. Data and the methods alone on the GPU.


def generate_data(settings: Settings) -> Dict[str, str]:
    """Every missing data set, generated in parallel (the workers split
    between them by their share of the data); returns the errors by data
    set."""
    share = dict(synocd=2, synlcd=1)
    total = sum(share[k] for k in settings.datasets)
    errors = {}

    def generate(key):
        dataset = settings.board.datasets[key]
        workers = max(1, settings.data_workers * share[key] // total)
        for i, step in enumerate(dataset.generate):
            if osp.exists(osp.join(dataset.data, step.done)):
                continue
            args = [c.format(data=dataset.data) for c in step.command]
            if i == 0:  # the generator: later options override the board's
                args += ['--workers', str(workers)]
                args += TINY_DATA[key] if settings.tiny else []
                if dataset.sweep and not settings.sweep:
                    args.append('--no-sweep')
            os.makedirs(osp.dirname(dataset.data) or '.', exist_ok=True)
            try:
                run_tool(args, f'{dataset.data}.{osp.basename(args[0])}.log')
            except RuntimeError as error:
                errors[key] = str(error)
                return

    with ThreadPoolExecutor(len(settings.datasets)) as pool:
        list(pool.map(generate, settings.datasets))
    return errors


def load_benchmark():
    """``tools/analysis_tools/benchmark.py`` as a module: its measurement
    runs here in one process for every method (one CUDA start-up, not
    eight)."""
    spec = importlib.util.spec_from_file_location('benchmark', BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_alone(settings: Settings, parts: List[Part],
                  stop: threading.Event) -> Dict[str, dict]:
    """Each method's training step and batched inference alone on the
    device, at the batch of its SynLCD part (of its first part without
    SynLCD) on 256 x 256 inputs; methods not reached before ``stop`` are
    left out.  A method whose measurement fails gets its error."""
    bench = load_benchmark()
    shape = (64, 64) if settings.tiny else (256, 256)
    warmup, repeats = (1, 2) if settings.tiny else (3, 10)
    firsts = {}
    for part in sorted(parts, key=lambda p: p.dataset != 'synlcd'):
        firsts.setdefault(part.method, part)
    measured = {}
    for name in settings.methods:
        if stop.is_set():
            break
        part = firsts[name]
        batch = settings.batch[part.dataset]
        try:
            config = write_config(settings, part, 'alone', 1)
            if settings.device == 'cuda':
                torch.cuda.reset_peak_memory_stats()
            result = bench._measure(config, shape, batch, warmup, repeats,
                                    settings.device, 0)
        except Exception as error:  # reported, the board goes on
            measured[name] = dict(error=f'{type(error).__name__}: {error}')
            continue
        finally:
            if settings.device == 'cuda':
                torch.cuda.empty_cache()
        measured[name] = dict(
            alone_batch=batch,
            alone_shape=list(result['train_shape']),
            infer_shape=list(shape),
            alone_train_s_per_iter=result['train_s_per_iter'],
            alone_train_img_per_s=batch / result['train_s_per_iter'],
            infer_img_per_s=result['infer_img_per_s'],
            infer_b1_img_per_s=result['infer_b1_img_per_s'],
            infer_peak_mem_mb=result['peak_mem_mb'])
        log(f'  alone: {name}: training '
            f'{batch / result["train_s_per_iter"]:.0f} img/s, inference '
            f'{result["infer_img_per_s"]:.0f} img/s')
    return measured


# 2-4. Probe, plan and board.


def training_rows(run_dir: str) -> List[dict]:
    """The training lines of mmengine's ``scalars.json`` in a work dir (a
    line cut by a stopped training is left out)."""
    rows = []
    for path in sorted(
            glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if 'lr' in row and 'time' in row:
                    rows.append(row)
    return rows


def training_speed(run_dir: str) -> Optional[dict]:
    """Seconds per iteration (mmengine's logged ``time``, data loading
    included; the first log line, which holds the warm-up, left out where
    there are more), data-loading seconds, the last iteration logged and
    the peak GPU memory (MB) of a training; None before its first log
    line."""
    rows = training_rows(run_dir)
    if not rows:
        return None
    used = rows[1:] if len(rows) > 1 else rows
    memory = [r['memory'] for r in rows if 'memory' in r]
    return dict(
        s_per_iter=sum(r['time'] for r in used) / len(used),
        data_s_per_iter=sum(r.get('data_time', 0) for r in used) / len(used),
        last_iter=rows[-1]['iter'],
        peak_mem_mb=max(memory) if memory else None)


def side_by_side(parts: List[Part], job) -> Dict[Part, object]:
    """``job(part)`` for every part at once (each runs its tools as
    processes); its result, or the exception it raised."""
    if not parts:
        return {}

    def guarded(part):
        try:
            return job(part)
        except Exception as error:  # reported with the part
            return error

    with ThreadPoolExecutor(len(parts)) as pool:
        return dict(zip(parts, pool.map(guarded, parts)))


def probe(settings: Settings, parts: List[Part],
          deadline: float) -> Dict[Part, object]:
    """Every part trains ``probe_iters`` iterations side by side; its
    training speed under that load and its start-up (the wall time of the
    training process beyond its iterations)."""
    iters = settings.probe_iters

    def job(part):
        config = write_config(settings, part, 'probe', iters)
        run_dir = osp.join(settings.work_dir, 'probe', part.folder, 'run')
        os.makedirs(run_dir, exist_ok=True)
        start = time.time()
        run_tool(['tools/train.py', config, '--work-dir', run_dir],
                 osp.join(run_dir, 'train.log'), settings.device, deadline)
        speed = training_speed(run_dir)
        if speed is None:
            raise RuntimeError(f'{run_dir}: the training logged nothing')
        speed['startup_s'] = max(
            0.0,
            time.time() - start - iters * speed['s_per_iter'])
        return speed

    return side_by_side(parts, job)


def plan_iterations(speeds: Dict[str, dict],
                    seconds: float,
                    after_train_s: float,
                    max_iters: Optional[int] = None) -> Tuple[int, str]:
    """The largest common iteration count of a data set's parts (a
    multiple of :data:`STEP` where it is one or more) at which every part
    ends within ``seconds``: start-up + iterations x s/it x
    :data:`SAFETY` + ``after_train_s``.  Returns it (0: none fits) and the
    method that binds it; ``speeds``: method -> the probe's speed."""
    if not speeds:
        raise ValueError('no part of the data set finished the probe')
    fits = {
        name: (seconds - after_train_s - speed['startup_s']) /
        (speed['s_per_iter'] * SAFETY)
        for name, speed in speeds.items()
    }
    binding = min(fits, key=fits.get)
    fit = max(0.0, fits[binding])
    iters = int(fit // STEP * STEP) if fit >= STEP else int(fit)
    if max_iters is not None:
        iters = min(iters, max_iters)
    return iters, binding


def run_board(settings: Settings, parts: List[Part], iters: Dict[str, int],
              deadline: float) -> Dict[Part, object]:
    """Every part at its data set's iterations, side by side: trained,
    calibrated and tested; the run's metrics or the error that ended it."""

    def job(part):
        folder = osp.join(settings.work_dir, 'board', part.folder)
        n = iters[part.dataset]
        return run_budgeted(
            part.config,
            folder,
            osp.join(folder, 'run'),
            gpu_budget(settings, part.dataset, n),
            logged(part, n),
            part.method,
            deadline=deadline,
            good_only=True)

    return side_by_side([p for p in parts if iters.get(p.dataset)], job)


def failure(error: Exception) -> str:
    """An error of a part with the last lines of the log it names."""
    text = str(error)
    log = text.rsplit('see ', 1)[-1] if 'see ' in text else None
    if log and osp.isfile(log):
        with open(log, errors='replace') as f:
            lines = [
                line.rstrip() for line in f if line.strip()
                and 'Warning' not in line and 'warnings.warn' not in line
            ]
        text += ''.join(f'\n    {line[:200]}' for line in lines[-4:])
    return text


def reached(run_dir: str, iters: int, error: Exception) -> str:
    """Where an unfinished part stopped, from the files its tools left."""
    why = 'stopped at the deadline' if isinstance(error,
                                                  DeadlineError) else 'failed'
    if osp.exists(osp.join(run_dir, METRICS)):
        return 'finished'
    if osp.exists(osp.join(run_dir, CALIBRATION)):
        return f'{why} in the test'
    if osp.exists(osp.join(run_dir, TRAINED)):
        return f'{why} in the calibration or test'
    speed = training_speed(run_dir)
    at = f' at iteration {speed["last_iter"]} of {iters}' if speed else ''
    return f'{why} in training{at}'


# 5-6. Sweep and results.


def sweep(settings: Settings, run: dict, deadline: float) -> Optional[str]:
    """The misalignment sweep of the trained paired SynOCD models (on the
    held-out test batch's scenes), stored in ``run``; the plot goes to
    $OUT under the name the report links.  Returns why it did not run."""
    dataset = settings.board.datasets['synocd']
    names = [n for n in run['parts'] if settings.board.methods[n].paired]
    if not names:
        return 'no paired SynOCD model finished'
    out = osp.join(settings.work_dir, 'sweep')
    models = []
    for name in names:
        part = run['parts'][name]
        models.append(
            (name.replace(' ', '_'), osp.join(REPO, part['trained_config']),
             osp.join(REPO, part['checkpoint'])))
    try:
        run_sweep(models, dataset.data, out, settings.device, True,
                  dataset.splits['test'], deadline)
    except RuntimeError as error:
        return str(error)
    with open(osp.join(out, 'sweep.csv')) as f:
        run['sweep'] = f.read()
    shutil.copy(
        osp.join(out, 'sweep.png'),
        osp.join(
            settings.out, f'leaderboard_synocd_sweep_'
            f'{setting_name(run["budget"])}.png'))
    return None


def record(settings: Settings, key: str, iters: int, parts: int) -> dict:
    """The stored budget of a data set's run: what ``report.py`` names and
    describes (the CPU board's budget it scales, the parts side by side)."""
    ref = settings.reference[key]
    this = dict(
        board=GPU,
        iters=iters,
        batch_size=settings.batch[key],
        lr=settings.lr(key),
        seed=settings.seed,
        reference=dict(
            iters=ref['iters'], batch_size=ref['batch_size'], lr=ref['lr']),
        side_by_side=parts)
    if settings.train_crop[key]:
        this['train_crop'] = settings.train_crop[key]
    return this


def results(settings: Settings, parts: List[Part], iters: Dict[str, int],
            outcomes: Dict[Part, object], alone: Dict[str, dict]) -> dict:
    """docs/leaderboard.json's format: data set -> setting -> the run, its
    finished parts and, by method, why the others did not finish."""
    out = {}
    launched = sum(1 for p in parts if iters.get(p.dataset))
    for key in settings.datasets:
        if not iters.get(key):
            continue
        run = dict(
            budget=record(settings, key, iters[key], launched),
            parts={},
            unfinished={})
        for part in (p for p in parts if p.dataset == key):
            folder = osp.join(settings.work_dir, 'board', part.folder)
            outcome = outcomes.get(part)
            if isinstance(outcome, Exception) or outcome is None:
                run['unfinished'][part.method] = reached(
                    osp.join(folder, 'run'), iters[key], outcome)
                continue
            config, metrics = outcome
            training = training_speed(osp.join(folder, 'run')) or {}
            speed = dict(device=settings.device, batch=settings.batch[key])
            if training:
                speed.update(
                    train_s_per_iter=training['s_per_iter'],
                    train_img_per_s=settings.batch[key] /
                    training['s_per_iter'],
                    train_data_s_per_iter=training['data_s_per_iter'],
                    train_peak_mem_mb=training['peak_mem_mb'])
            speed.update({
                k: v
                for k, v in alone.get(part.method, {}).items() if k != 'error'
            })
            run['parts'][part.method] = dict(
                config=part.config,
                trained_config=osp.relpath(config, REPO),
                checkpoint=osp.relpath(
                    last_checkpoint(osp.join(folder, 'run')), REPO),
                metrics=metrics,
                machine=machine(),
                date=datetime.date.today().isoformat(),
                speed=speed)
        if not run['unfinished']:
            del run['unfinished']
        out[key] = {setting_name(run['budget']): run}
    return out


def alone_text(measured: Optional[dict]) -> str:
    """A method's measurement alone on the device, in words."""
    if not measured:
        return 'not measured (the data was ready first)'
    if 'error' in measured:
        return f'failed: {measured["error"]}'
    train = 'x'.join(map(str, measured['alone_shape']))
    infer = 'x'.join(map(str, measured['infer_shape']))
    return (f'training {number(measured["alone_train_img_per_s"], 0)} img/s '
            f'({train}), inference {number(measured["infer_img_per_s"], 0)} '
            f'img/s ({infer}; batch 1: '
            f'{number(measured["infer_b1_img_per_s"], 0)}), batch '
            f'{measured["alone_batch"]}, peak memory '
            f'{number(measured["infer_peak_mem_mb"], 0)} MB')


def images(settings: Settings, key: str, run: dict) -> float:
    """A run's training images per method, relative to the CPU board's."""
    ref = settings.reference[key]
    return run['budget']['iters'] * run['budget']['batch_size'] / (
        ref['iters'] * ref['batch_size'])


def summary(settings: Settings, clock: Clock, plans: List[str], board: dict,
            alone: Dict[str, dict], notes: List[str]) -> str:
    """The run in text: environment, steps, plan, per part the throughput
    and the metrics at the operating point and at 0.5, the GPU's use."""
    lines = [
        f'mmdefect GPU board: {machine()}; torch {torch.__version__}, '
        f'python {platform.python_version()}, {os.cpu_count()} CPU cores, '
        f'{settings.device}; '
        f'commit {commit()}; budget {settings.budget_s:.0f} s, used '
        f'{time.time() - clock.start:.0f} s', '', '== steps (s from the '
        'start of gpu_board.sh)'
    ]
    lines += [
        f'{name:12s} {start:6.0f} - ' +
        ('now' if math.isnan(end) else f'{end:6.0f}')
        for name, start, end in clock.steps
    ]
    lines += [
        '', '== learning rate and images (linear scaling rule: lr = '
        'lr_cpu x batch / batch_cpu)'
    ]
    for key in settings.datasets:
        ref = settings.reference[key]
        lines.append(
            f"{key}: CPU board {ref['iters']} x {ref['batch_size']} images at "
            f"lr {ref['lr']:g}; here batch {settings.batch[key]}, lr "
            f'{settings.lr(key):g}, crop {settings.train_crop[key] or "none"}'
            f'; target {settings.factor:g} x = '
            f'{settings.target_iters(key)} iterations')
    lines += ['', '== plan'] + plans
    lines += [
        '', '== methods alone on the device (benchmark.py\'s training step '
        'and batched inference)'
    ]
    lines += [
        f'{name:19s} {alone_text(alone.get(name))}'
        for name in settings.methods
    ]
    columns = (
        ('defect.IoU', 'IoU cal', CALIBRATED),
        ('defect.IoU', 'IoU@.5', HALF),
        ('defect.F1', 'F1 cal', CALIBRATED),
        ('defect.F1', 'F1@.5', HALF),
        ('defect.AP_pixel', 'px AP', STORED),
        ('defect.AUPRO', 'AUPRO', STORED),
        ('image/pass_rate_no_escape', 'pass@0esc', STORED),
    )
    for key, runs in board.items():
        (setting, run), = runs.items()
        lines += [
            '', f'== {key}: {setting} ({images(settings, key, run):.1f} x the '
            "CPU board's images)",
            f'{"method":19s} {"train s":>7s} {"s/it":>6s} {"data s":>6s} '
            f'{"img/s":>6s} {"GPU MB":>6s} {"px thr":>6s} ' +
            ' '.join(f'{title:>9s}' for _, title, _ in columns)
        ]
        for name, part in run['parts'].items():
            s, m = part['speed'], part['metrics']
            lines.append(
                f'{name:19s} {number(m.get("train_seconds"), 0):>7s} '
                f'{number(s.get("train_s_per_iter"), 3):>6s} '
                f'{number(s.get("train_data_s_per_iter"), 3):>6s} '
                f'{number(s.get("train_img_per_s"), 0):>6s} '
                f'{number(s.get("train_peak_mem_mb"), 0):>6s} '
                f'{number(m.get("calibration/pixel_threshold"), 3):>6s} ' +
                ' '.join(f'{number(read(m, metric, reading)):>9s}'
                         for metric, _, reading in columns))
        for name, why in run.get('unfinished', {}).items():
            lines.append(f'{name:19s} NOT FINISHED: {why}')
    lines += ['', '== GPU (nvidia-smi)'] + gpu_digest(
        osp.join(settings.out, 'gpu.csv'))
    if notes:
        lines += ['', '== notes'] + notes
    lines += [
        '', 'train s: wall time of tools/train.py; s/it, data s: mmengine\'s '
        'logged time and data_time per iteration (first log line left out) '
        'with every part side by side; img/s: batch / s/it; GPU MB: peak '
        'allocated by the training; cal: at the operating point '
        'tools/calibrate.py chose on the validation split (f1_max, pixel '
        'threshold px thr), - where the part was not calibrated; @.5: at a '
        'defect probability of 0.5; pass@0esc: good test images passed with '
        'every defective one flagged.'
    ]
    return '\n'.join(lines) + '\n'


def commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                              cwd=REPO,
                              capture_output=True,
                              text=True,
                              timeout=10).stdout.strip() or 'unknown'
    except (OSError, subprocess.SubprocessError):
        return 'unknown'


def archive(settings: Settings) -> None:
    """The work dir's configs and logs (no checkpoints) into $OUT."""

    def small(info):
        return None if info.name.endswith('.pth') else info

    with tarfile.open(osp.join(settings.out, 'logs.tar.gz'), 'w:gz') as tar:
        tar.add(settings.work_dir, 'gpu_board', filter=small)
        for key in settings.datasets:
            data = settings.board.datasets[key].data
            for path in glob.glob(f'{data}.*.log') + [
                    osp.join(data, 'meta.json')
            ]:
                if osp.exists(path):
                    tar.add(path, f'data/{key}/{osp.basename(path)}')


def prepare(settings: Settings, parts: List[Part],
            notes: List[str]) -> Tuple[Dict[str, dict], Dict[str, str]]:
    """Step 1: the data generated while the methods are measured alone on
    the idle GPU; returns those measurements and the data sets whose
    generation failed, with the error."""
    stop = threading.Event()
    alone: Dict[str, dict] = {}

    def measure():
        try:
            alone.update(measure_alone(settings, parts, stop))
        except Exception as error:  # the board goes on without it
            notes.append(f'methods alone: not measured: {error!r}')

    measurer = threading.Thread(target=measure)
    measurer.start()
    errors = generate_data(settings)
    notes += [
        f'{key}: data generation failed: {error}'
        for key, error in errors.items()
    ]
    # The measurement is worth a little wait, not the probe's quiet GPU.
    measurer.join(timeout=5 if settings.tiny else 20)
    stop.set()
    measurer.join()
    return alone, errors


def plan(settings: Settings, speeds: Dict[Part, object],
         seconds: float) -> Tuple[Dict[str, int], List[str]]:
    """Step 3: each probed data set's iterations in ``seconds`` from now
    (:func:`plan_iterations`), and the plan in words."""
    iters, lines = {}, []
    side = f'{len(speeds)} part{"s" * (len(speeds) > 1)} side by side'
    for key in dict.fromkeys(p.dataset for p in speeds):
        mine = {
            p.method: speed
            for p, speed in speeds.items()
            if p.dataset == key and isinstance(speed, dict)
        }
        lines.append(f'{key}: probe of {settings.probe_iters} iterations, '
                     f'{side}: ' +
                     ', '.join(f'{name} {s["s_per_iter"]:.3f} s/it + '
                               f'{s["startup_s"]:.0f} s start-up'
                               for name, s in mine.items()))
        failed = [
            f'{p.method} ({failure(error)})' for p, error in speeds.items()
            if p.dataset == key and isinstance(error, Exception)
        ]
        if failed:
            lines.append(f'{key}: failed in the probe: {"; ".join(failed)}')
        if not mine:
            lines.append(f'{key}: not run (no part finished the probe)')
            continue
        iters[key], binding = plan_iterations(mine, seconds,
                                              settings.after_train_s,
                                              settings.max_iters)
        target = settings.target_iters(key)
        lines.append(
            f'{key}: {seconds:.0f} s to the deadline, '
            f'{settings.after_train_s:.0f} s planned for calibration and '
            f'test, s/it x {SAFETY:g}: {iters[key]} iterations (bound by '
            f'{binding}) = {iters[key] / target * settings.factor:.1f} x the '
            "CPU board's images" +
            ('' if iters[key] >= target else
             f'; BELOW the {settings.factor:g} x target of {target}'))
    return iters, lines


def main(argv=None) -> int:
    settings = parse_args(argv)
    os.chdir(REPO)
    os.makedirs(settings.out, exist_ok=True)
    if settings.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('gpu_board.py: torch sees no CUDA device (--tiny '
                         'runs on the CPU)')
    clock = Clock(settings)
    sampler = GpuSampler(osp.join(settings.out, 'gpu.csv'), clock)
    sampler.start()
    parts = make_parts(settings)
    notes: List[str] = []
    deadline = clock.end - settings.reserve_s
    log(f'GPU board: {len(parts)} parts on {machine()}, '
        f'{clock.left():.0f} s left')

    clock.begin('data')
    alone, errors = prepare(settings, parts, notes)
    clock.done()
    parts = [p for p in parts if p.dataset not in errors]
    iters = dict(settings.iters)
    plans = [f'{key}: fixed at {n} iterations' for key, n in iters.items()]
    to_probe = [p for p in parts if p.dataset not in iters]
    if to_probe:
        clock.begin('probe')
        # A probe that hangs must leave the board most of the budget.
        speeds = probe(settings, to_probe,
                       min(deadline,
                           time.time() + max(60,
                                             clock.left() / 3)))
        clock.done()
        # The board's parts start together now; each needs start-up,
        # iterations, calibration and test before the deadline.
        planned, lines = plan(settings, speeds, deadline - time.time())
        iters.update(planned)
        plans += lines
    for line in plans:
        log(line)

    clock.begin('board')
    outcomes = run_board(settings, parts, iters, deadline)
    clock.done()
    board = results(settings, parts, iters, outcomes, alone)
    notes += [
        f'{part.dataset} {part.method}: {failure(error)}'
        for part, error in outcomes.items() if isinstance(error, Exception)
    ]
    if settings.sweep and 'synocd' in board:
        (run, ) = board['synocd'].values()
        if clock.left() - settings.reserve_s < 60:
            notes.append(f'sweep skipped: {clock.left():.0f} s left')
        else:
            clock.begin('sweep')
            why = sweep(settings, run, deadline)
            clock.done()
            if why:
                notes.append(f'sweep: {why}')
    clock.begin('results')
    save_results(board, osp.join(settings.out, 'gpu_board.json'))
    sampler.stop.set()
    sampler.join()
    text = summary(settings, clock, plans, board, alone, notes)
    write_file(osp.join(settings.out, 'summary.txt'), text.encode())
    archive(settings)
    clock.done()
    print(text)
    unfinished = sum(
        len(r.get('unfinished', {})) for runs in board.values()
        for r in runs.values())
    return 1 if unfinished or set(board) != set(settings.datasets) else 0


if __name__ == '__main__':
    sys.exit(main())

"""Training and testing configs with a common budget, as a user would run
them (``tools/train.py`` and ``tools/test.py`` in their own processes).

The runner of the leaderboard, the GPU board and the ablation runner:
every model of a comparison gets the same data, iterations, batch and
learning rate (:class:`Budget`), written into the config it trains and
tests, so the config file records what ran.  A part is trained, calibrated
on the validation split (``tools/calibrate.py``, rule ``f1_max``: the
operating point a user would choose before testing) and tested at that
operating point, the metrics at 0.5 beside it.  Finished runs (a
``metrics.json`` in their work dir) are reused, so a benchmark can be
interrupted, resumed, or split over several processes.  A finished training
leaves ``trained.json`` (its wall time and threads): after a metric
changes, :func:`forget_test` makes the next run calibrate and test the
checkpoint again without training it again.
"""
import glob
import json
import os
import os.path as osp
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import torch
from mmengine.config import Config

from mmdefect.utils import write_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = 'metrics.json'
TRAINED = 'trained.json'
CALIBRATION = 'calibration.json'  # tools/calibrate.py's, beside the checkpoint
SWEEP = 'tools/analysis_tools/misalignment_sweep.py'
# The false-call rate a user with defect-free validation images only asks
# for in :func:`good_only_check`.
GOOD_ONLY_TARGET = 0.05


@dataclass(frozen=True)
class Budget:
    """What every run of a comparison shares; a field left None keeps the
    config's own setting.

    Attributes:
        iters (int, optional): Training iterations; an epoch-based schedule
            becomes iteration-based.  None: the config's own schedule.
        batch_size (int, optional): Images per training batch.
        lr (float, optional): Learning rate of the common recipe: AdamW,
            weight decay 0.01, a linear warm-up over the first 10 % of the
            iterations from 1 % of the rate, then poly decay to 0.  None:
            the config's own optimiser and schedule.
        seed (int, optional): Seed of the run.
        train_crop (int, optional): Train on ``train_crop`` square crops that
            hold some defect (testing stays on whole images).
        device (str, optional): 'cpu' or 'cuda' for training, testing and
            the sweep; None: CUDA where available, as mmengine picks.
    """
    iters: Optional[int] = None
    batch_size: Optional[int] = None
    lr: Optional[float] = None
    seed: Optional[int] = None
    train_crop: Optional[int] = None
    device: Optional[str] = None

    def __post_init__(self):
        if self.lr is not None and self.iters is None:
            raise ValueError('a budget learning rate needs its iterations: '
                             'the warm-up and decay span them')
        if self.device not in (None, 'cpu', 'cuda'):
            raise ValueError(f"device must be 'cpu' or 'cuda', got "
                             f'{self.device!r}')

    def stored(self) -> dict:
        """The budget as the results store it; parts merge into one table
        only within one.  The device is not part of it: each part records
        its machine."""
        if self.iters is None:
            return dict(paper_schedules=True)
        this = dict(
            iters=self.iters,
            batch_size=self.batch_size,
            lr=self.lr,
            seed=self.seed)
        if self.train_crop:
            this['train_crop'] = self.train_crop
        return this

    def resolved_device(self) -> str:
        """The device the runs use."""
        if self.device is not None:
            return self.device
        return 'cuda' if torch.cuda.is_available() else 'cpu'


class DeadlineError(RuntimeError):
    """A tool still ran at its deadline and was stopped."""


def run_tool(args: Sequence[str],
             log: str,
             device: str = 'cpu',
             deadline: Optional[float] = None) -> None:
    """Run a Python tool of the repository on ``device``; its output goes
    to ``log``.

    With ``deadline`` (``time.time()`` seconds) a tool still running then
    is stopped with its whole process group (its data loader workers too)
    and :class:`DeadlineError` is raised.
    """
    env = dict(os.environ)
    if device == 'cpu':  # mmengine trains on any CUDA device it can see
        env['CUDA_VISIBLE_DEVICES'] = ''
    with open(log, 'w') as f:
        proc = subprocess.Popen([sys.executable, *args],
                                cwd=REPO,
                                env=env,
                                stdout=f,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait(None if deadline is
                      None else max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            raise DeadlineError(f'{" ".join(args)} was stopped at its '
                                f'deadline; see {log}') from None
        except BaseException:  # Ctrl-C: the tool does not outlive us
            _stop_group(proc)
            raise
    if proc.returncode:
        raise RuntimeError(f'{" ".join(args)} failed; see {log}')


def _stop_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to a tool's process group, SIGKILL after ``grace``
    seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def machine() -> str:
    """The machine runs are measured on, as results record it."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return (f'CPU, {os.cpu_count()} cores ({platform.machine()}), torch '
            f'{torch.__version__}')


def budget_options(budget: Budget) -> dict:
    """Config keys of a training budget: ``budget.iters`` iterations of
    ``budget.batch_size``, no validation (mmengine's loop would validate
    after the last iteration; the calibration runs the validation split
    instead), one checkpoint at the end."""
    options = {}
    if budget.iters is not None:
        options.update({
            'train_cfg.max_iters': budget.iters,
            'train_cfg.val_interval': budget.iters + 1,
            'train_cfg.val_begin': budget.iters + 1,
            'default_hooks.checkpoint.interval': budget.iters,
            'default_hooks.checkpoint.save_best': None
        })
    if budget.batch_size is not None:
        options['train_dataloader.batch_size'] = budget.batch_size
    return options


def _iteration_based(cfg: Config) -> None:
    """An epoch-based schedule becomes an ``IterBasedTrainLoop`` (the budget
    counts iterations), with iteration checkpoints and logs, and no
    epoch-stepped scheduler (it would never step within the budget: the
    learning rate stays at its initial value).  mmengine's
    ``DefaultSampler`` becomes an infinite one; any other sampler (the
    frequency-of-use sampler of mixed supervision) is kept, since the loop
    re-iterates it epoch after epoch."""
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


def _defect_crop(cfg: Config, size: int, config: str) -> None:
    """A defect-holding random crop after the annotations are loaded (before
    every derived target).  mmseg's ``RandomCrop`` with
    ``cat_max_ratio=0.999`` retries (up to ten times) until no class covers
    more than 99.9 % of the crop, i.e. until the crop holds some defect
    where one is reachable."""
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
        dict(type='RandomCrop', crop_size=(size, size), cat_max_ratio=0.999))


def _common_recipe(cfg: Config, iters: int, lr: float) -> None:
    warmup = max(1, iters // 10)
    cfg.optim_wrapper = dict(
        type='OptimWrapper',
        optimizer=dict(
            type='AdamW', lr=lr, betas=(0.9, 0.999), weight_decay=0.01))
    cfg.param_scheduler = [
        dict(
            type='LinearLR',
            start_factor=0.01,
            by_epoch=False,
            begin=0,
            end=warmup),
        dict(
            type='PolyLR',
            eta_min=0.0,
            power=1.0,
            by_epoch=False,
            begin=warmup,
            end=iters)
    ]


def budget_config(config: str,
                  folder: str,
                  budget: Budget,
                  options: Optional[dict] = None) -> str:
    """Write the config a budget run trains and tests into ``folder``;
    returns its path (the config's name, ``_iters`` where the schedule
    became iteration-based, ``_train-crop<size>`` where the training
    crops).

    ``options`` (config key -> value, e.g. a data root or a loss weight)
    are set after the budget's keys.
    """
    cfg = Config.fromfile(config)
    suffix = ''
    if (budget.iters is not None
            and cfg.train_cfg.get('type') == 'EpochBasedTrainLoop'):
        _iteration_based(cfg)
        suffix += '_iters'
    if budget.train_crop:
        _defect_crop(cfg, budget.train_crop, config)
        suffix += f'_train-crop{budget.train_crop}'
    cfg.merge_from_dict({**budget_options(budget), **(options or {})})
    if budget.seed is not None:
        cfg.randomness = dict(seed=budget.seed)
    if budget.lr is not None:
        _common_recipe(cfg, budget.iters, budget.lr)
    os.makedirs(folder, exist_ok=True)
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
                   device: str = 'cpu',
                   name: Optional[str] = None,
                   deadline: Optional[float] = None,
                   good_only: bool = False) -> dict:
    """Train ``config``, calibrate its last checkpoint on the validation
    split, test it; return the test metrics (with ``train_seconds``, the
    torch threads it trained with, ``train_threads``, and the thresholds of
    the operating point, ``calibration/pixel_threshold`` and
    ``calibration/image_threshold``, where the calibration chose them).

    A calibration that fails (e.g. a split without the images its rule
    needs) leaves the checkpoint deciding at 0.5: the part is still tested,
    without the thresholds, and ``calibrate.log`` says why.  ``deadline``
    (``time.time()`` seconds) stops every tool still running then
    (:func:`run_tool`).  ``good_only`` adds :func:`good_only_check`, also to
    a part finished before it without it.
    """
    done = osp.join(work_dir, METRICS)
    if osp.exists(done):  # finished by an earlier (or parallel) run
        with open(done) as f:
            metrics = json.load(f)
        if good_only and 'good_only/image_threshold' not in metrics:
            metrics.update(
                good_only_check(config, last_checkpoint(work_dir), work_dir,
                                device, deadline))
            write_json(done, metrics)
        return metrics
    os.makedirs(work_dir, exist_ok=True)
    trained = osp.join(work_dir, TRAINED)
    if osp.exists(trained):  # trained earlier, tested again
        with open(trained) as f:
            training = json.load(f)
    else:
        start = time.time()
        run_tool(['tools/train.py', config, '--work-dir', work_dir],
                 osp.join(work_dir, 'train.log'), device, deadline)
        # The training inherits this process's thread count
        # (OMP_NUM_THREADS): runs side by side on one core each take longer
        # than a quiet one.
        training = dict(
            train_seconds=round(time.time() - start, 1),
            train_threads=torch.get_num_threads())
        write_json(trained, training)
    checkpoint = last_checkpoint(work_dir)
    operating_point = calibrate(config, checkpoint, work_dir, device, deadline)
    metrics = run_test(config, checkpoint, work_dir, device, deadline)
    metrics.update(training)
    metrics.update(operating_point)
    if good_only:
        metrics.update(
            good_only_check(config, checkpoint, work_dir, device, deadline))
    print(f'{name or config}: {metrics}', flush=True)
    write_json(done, metrics)
    return metrics


def run_test(config: str,
             checkpoint: str,
             work_dir: str,
             device: str = 'cpu',
             deadline: Optional[float] = None) -> dict:
    """``tools/test.py`` of ``checkpoint`` at its operating point, in
    ``work_dir/test``; its metrics."""
    test_dir = osp.join(work_dir, 'test')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir', test_dir],
             osp.join(work_dir, 'test.log'), device, deadline)
    result = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[-1]
    with open(result) as f:
        return json.load(f)


def good_only_check(config: str,
                    checkpoint: str,
                    work_dir: str,
                    device: str = 'cpu',
                    deadline: Optional[float] = None) -> dict:
    """Whether an operating point set from defect-free images alone holds
    on the test: a copy of ``checkpoint`` (the part's own operating point
    stays) is calibrated with ``--rule fpr --target`` :data:`GOOD_ONLY_TARGET`
    on the validation split, which reads only its defect-free images for the
    image threshold, and tested.  Returns ``good_only/image_threshold`` and
    ``good_only/false_call_rate``, the share (%) of the test's defect-free
    images flagged, to compare with the target (absent where the test has
    no defect-free image); empty where the calibration failed
    (``good_only/calibrate.log`` says why)."""
    folder = osp.join(work_dir, 'good_only')
    os.makedirs(folder, exist_ok=True)
    copy = osp.join(folder, osp.basename(checkpoint))
    shutil.copyfile(checkpoint, copy)
    log = osp.join(folder, 'calibrate.log')
    try:
        run_tool([
            'tools/calibrate.py', config, copy, '--rule', 'fpr', '--target',
            str(GOOD_ONLY_TARGET), '--split', 'val', '--work-dir',
            osp.join(folder, 'calibrate')
        ], log, device, deadline)
        with open(osp.join(folder, CALIBRATION)) as f:
            threshold = json.load(f)['image']['threshold']
        metrics = run_test(config, copy, folder, device, deadline)
    except DeadlineError:
        raise
    except (RuntimeError, KeyError, TypeError):
        print(
            f'{config}: no good-images-only operating point; see {log}',
            flush=True)
        return {}
    finally:
        os.remove(copy)  # a second copy of the weights is not kept
    result = {'good_only/image_threshold': threshold}
    if 'image/false_calls_per_1000' in metrics:
        result['good_only/false_call_rate'] = round(
            metrics['image/false_calls_per_1000'] / 10, 2)
    return result


def calibrate(config: str,
              checkpoint: str,
              work_dir: str,
              device: str = 'cpu',
              deadline: Optional[float] = None) -> dict:
    """The operating point of ``checkpoint`` on the validation split
    (``tools/calibrate.py --rule f1_max``, which writes it into the
    checkpoint for the test), as metrics: ``calibration/<level>_threshold``
    of the levels it calibrated; empty where the calibration failed.  A
    checkpoint calibrated earlier (its ``calibration.json``) is kept."""
    record = osp.join(osp.dirname(checkpoint), CALIBRATION)
    if not osp.exists(record):
        log = osp.join(work_dir, 'calibrate.log')
        try:
            run_tool([
                'tools/calibrate.py', config, checkpoint, '--rule', 'f1_max',
                '--split', 'val', '--work-dir',
                osp.join(work_dir, 'calibrate')
            ], log, device, deadline)
        except DeadlineError:
            raise
        except RuntimeError:
            print(
                f'{config}: calibration failed, the test decides at 0.5; '
                f'see {log}',
                flush=True)
            return {}
    with open(record) as f:
        point = json.load(f)
    return {
        f'calibration/{level}_threshold': point[level]['threshold']
        for level in ('pixel', 'image') if point.get(level)
    }


def run_budgeted(config: str,
                 config_folder: str,
                 work_dir: str,
                 budget: Budget,
                 options: Optional[dict] = None,
                 name: Optional[str] = None,
                 retest: bool = False,
                 deadline: Optional[float] = None,
                 good_only: bool = False) -> Tuple[str, dict]:
    """One part of a comparison: ``config`` at ``budget`` (written into
    ``config_folder``), trained, calibrated and tested in ``work_dir``
    (:func:`train_and_test`); ``retest`` calibrates and tests a finished
    run again, keeping its training; ``good_only`` adds
    :func:`good_only_check`.  Returns the config that ran and its metrics."""
    path = budget_config(config, config_folder, budget, options)
    if retest:
        forget_test(work_dir)
    return path, train_and_test(path, work_dir, budget.resolved_device(), name,
                                deadline, good_only)


def run_sweep(models: Sequence[Tuple[str, str, str]],
              data_root: str,
              out: str,
              device: str = 'cpu',
              axes_only: bool = True,
              scenes: Optional[str] = None,
              deadline: Optional[float] = None) -> str:
    """``misalignment_sweep.py`` on ``(name, config, checkpoint)`` models;
    returns ``out``, which receives ``sweep.csv`` and ``sweep.png``."""
    os.makedirs(out, exist_ok=True)
    args = [SWEEP]
    for _, config, checkpoint in models:
        args += [config, checkpoint]
    args += ['--names', *(name for name, _, _ in models)]
    args += ['--data-root', data_root, '--out', out, '--device', device]
    if axes_only:
        args.append('--axes-only')
    if scenes:
        args += ['--scenes', scenes]
    run_tool(args, osp.join(out, 'sweep.log'), device, deadline)
    return out


def forget_test(work_dir: str) -> None:
    """Drop the calibration and test result of a finished run, keeping its
    training: the next :func:`train_and_test` calibrates and tests the
    checkpoint again.  Runs from before ``trained.json`` get it from their
    metrics."""
    done = osp.join(work_dir, METRICS)
    if not osp.exists(done):
        return
    record = osp.join(work_dir, CALIBRATION)
    if osp.exists(record):
        os.remove(record)
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

"""Change a config's training length, batch size or learning rate and keep
its schedule consistent.

``tools/train.py --iters / --epochs / --batch-size / --lr`` call
:func:`rescale_schedule`, so that one command line works for every config,
iteration- or epoch-based.  Setting ``train_cfg.max_iters`` alone (with
``--cfg-options``) would leave an epoch-based config untouched, and on an
iteration-based one would leave the warm-up and the decay at their old
iterations: a 500-iteration schedule cut to 50 would stop inside its
warm-up.
"""
from typing import List, Optional

from mmengine.config import Config

#: Scheduler keys that hold a point or a length of the schedule.
POINT_KEYS = ('begin', 'end', 'T_max', 'step_size')
#: Scheduler keys that hold an absolute learning rate.
LR_KEYS = ('eta_min', 'eta_max')
#: Fewest iterations between two validations or two checkpoints of a
#: rescaled iteration schedule (unless the config itself asks for fewer):
#: a share of a short run, e.g. MFFPA's every 5 of 50 epochs on 20
#: iterations, would validate every 2 iterations, a pass over the
#: validation split for a model that has hardly changed.  A run shorter
#: than this validates and saves once, at its end.
MIN_ITER_INTERVAL = 50


def is_epoch_based(cfg: Config) -> bool:
    """Whether the config trains by epochs (mmengine's
    ``EpochBasedTrainLoop``, or a ``train_cfg`` with ``max_epochs``)."""
    loop = cfg.get('train_cfg') or {}
    return loop.get('type') == 'EpochBasedTrainLoop' or ('type' not in loop and
                                                         'max_epochs' in loop)


def _scaled(value, scale: float, length: int, at_least: int = 0) -> int:
    """``value * scale`` rounded, within ``[at_least, length]`` where
    ``value`` is positive (0 stays 0)."""
    if value <= 0:
        return int(value)
    return min(max(int(round(value * scale)), at_least, 1), length)


def _iter_interval(interval: int, share: float, iters: int,
                   by_epoch: bool) -> int:
    """A validation or checkpoint interval of ``interval`` (epochs where
    ``by_epoch``, else iterations) at its ``share`` of an ``iters``-long
    iteration schedule, no shorter than :data:`MIN_ITER_INTERVAL` nor
    than the config's own iteration interval, and within the run."""
    floor = MIN_ITER_INTERVAL if by_epoch else min(MIN_ITER_INTERVAL, interval)
    return _scaled(interval, share, iters, at_least=floor)


def _rescale_schedulers(schedulers: List[dict], scale: dict, length: int,
                        to_iters: bool) -> List[dict]:
    """Every scheduler at its share of the new length.

    Args:
        scale (dict): ``by_epoch`` of a scheduler -> the factor of its
            points.
        length (int): The new length in the new loop's unit.
        to_iters (bool): The new loop counts iterations: every scheduler
            becomes iteration-stepped.
    """
    out = []
    end = 0
    for scheduler in schedulers:
        scheduler = dict(scheduler)
        by_epoch = scheduler.get('by_epoch', True)  # mmengine's default
        factor = scale[by_epoch]
        for key in POINT_KEYS:
            if key in scheduler:
                scheduler[key] = _scaled(scheduler[key], factor, length)
        if 'milestones' in scheduler:
            scheduler['milestones'] = [
                _scaled(m, factor, length) for m in scheduler['milestones']
            ]
        # A warm-up rounded to nothing keeps one step, and the phases that
        # follow start after it; a phase beyond the end never steps.
        begin = scheduler.get('begin', 0)
        if begin < end and begin > 0:
            begin = scheduler['begin'] = end
        if 'end' in scheduler and scheduler['end'] <= begin:
            scheduler['end'] = begin + 1
        end = scheduler.get('end', end)
        if to_iters:
            scheduler['by_epoch'] = False
            scheduler.pop('convert_to_iter_based', None)
        out.append(scheduler)
    return out


def rescale_schedule(cfg: Config,
                     iters: Optional[int] = None,
                     epochs: Optional[int] = None,
                     batch_size: Optional[int] = None,
                     lr: Optional[float] = None,
                     epoch_length: Optional[int] = None) -> List[str]:
    """Set the training length, batch size or learning rate of ``cfg`` in
    place; returns one line per change, for the log.

    * ``iters``: an ``IterBasedTrainLoop`` of ``iters`` iterations.  Every
      scheduler keeps its share of the training (a 50-iteration warm-up of
      500 iterations becomes 5 of 50); an epoch-based config becomes
      iteration-based, its epoch-stepped schedulers iteration-stepped at
      their share, its iteration-stepped ones (warm-ups) keep their length;
      mmengine's ``DefaultSampler`` becomes an ``InfiniteSampler`` (other
      samplers, e.g. MFFPA's frequency of use, are kept: the loop restarts
      them).  Validation and checkpoints keep their share of the training
      but come no more often than every :data:`MIN_ITER_INTERVAL`
      iterations (or the config's own iteration interval, if that is
      shorter), so a short run validates and saves once, at its end; log
      lines come at least every tenth of it.
    * ``epochs``: on an epoch-based config ``max_epochs`` with the
      schedulers, validation and checkpoints scaled alike; on an
      iteration-based one ``epochs * epoch_length`` iterations as above.
    * ``batch_size``: the training batch.  The number of iterations is
      kept (an epoch-based config has longer or shorter epochs); the
      learning rate is not scaled, ``lr`` sets it.
    * ``lr``: the optimiser's learning rate; the schedulers' absolute rates
      (``eta_min``, ``eta_max``) keep their ratio to it.

    Args:
        epoch_length (int, optional): Iterations per epoch of the training
            loader, needed for ``epochs`` on an iteration-based config.
    """
    if iters is not None and epochs is not None:
        raise ValueError('give the training length in iterations or in '
                         'epochs, not both')
    for name, value in (('iters', iters), ('epochs', epochs), ('batch_size',
                                                               batch_size)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f'{name} must be a positive integer, got '
                             f'{value!r}')
    if lr is not None and not lr > 0:
        raise ValueError(f'lr must be positive, got {lr!r}')
    changes = []
    epoch_based = is_epoch_based(cfg)
    if epochs is not None and not epoch_based:
        if not epoch_length:
            raise ValueError(
                f'{epochs} epochs of an iteration-based config need the '
                'epoch length (iterations per epoch of the training loader)')
        iters = epochs * epoch_length
        changes.append(f'{epochs} epochs of {epoch_length} iterations = '
                       f'{iters} iterations')
    if iters is not None:
        changes += _to_iters(cfg, iters, epoch_based)
    elif epochs is not None:
        changes += _to_epochs(cfg, epochs)
    if batch_size is not None:
        cfg.train_dataloader.batch_size = batch_size
        changes.append(f'training batch size {batch_size}')
    if lr is not None:
        changes += _set_lr(cfg, lr)
    return changes


def _to_iters(cfg: Config, iters: int, epoch_based: bool) -> List[str]:
    loop = cfg.train_cfg
    old = loop.max_epochs if epoch_based else loop.max_iters
    share = iters / old
    val_interval = _iter_interval(
        loop.get('val_interval', 1), share, iters, epoch_based)
    val_begin = _scaled(loop.val_begin, share, iters, 1) \
        if 'val_begin' in loop else 1
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop',
        max_iters=iters,
        val_interval=val_interval,
        val_begin=val_begin)
    scale = {epoch_based: share, not epoch_based: 1.0}
    cfg.param_scheduler = _rescale_schedulers(
        _as_list(cfg.get('param_scheduler')), scale, iters, to_iters=True)
    hooks = cfg.default_hooks
    checkpoint = hooks.get('checkpoint')
    if checkpoint is not None:
        checkpoint.interval = _iter_interval(
            checkpoint.get('interval', 1), share, iters,
            checkpoint.get('by_epoch', True))
        checkpoint.by_epoch = False
    logger = hooks.get('logger')
    if logger is not None:
        logger.interval = min(logger.get('interval', 10), max(1, iters // 10))
        logger.log_metric_by_epoch = False
    cfg.log_processor = dict(cfg.get('log_processor') or {}, by_epoch=False)
    sampler = cfg.train_dataloader.get('sampler') or {}
    if sampler.get('type') == 'DefaultSampler':
        cfg.train_dataloader.sampler = dict(
            type='InfiniteSampler', shuffle=sampler.get('shuffle', True))
    unit = 'epochs' if epoch_based else 'iterations'
    return [
        f'{iters} iterations (was {old} {unit}); validation every '
        f'{val_interval} from {val_begin}; schedulers '
        f'{_describe(cfg.param_scheduler)}'
    ]


def _to_epochs(cfg: Config, epochs: int) -> List[str]:
    loop = cfg.train_cfg
    old = loop.max_epochs
    share = epochs / old
    loop.max_epochs = epochs
    if 'val_interval' in loop:
        loop.val_interval = _scaled(loop.val_interval, share, epochs)
    if 'val_begin' in loop:
        loop.val_begin = _scaled(loop.val_begin, share, epochs, 1)
    cfg.param_scheduler = _rescale_schedulers(
        _as_list(cfg.get('param_scheduler')), {
            True: share,
            False: share
        },
        epochs,
        to_iters=False)
    checkpoint = cfg.default_hooks.get('checkpoint')
    if checkpoint is not None and checkpoint.get('by_epoch', True):
        checkpoint.interval = _scaled(
            checkpoint.get('interval', 1), share, epochs)
    return [
        f'{epochs} epochs (was {old}); validation every '
        f'{loop.get("val_interval", 1)}; schedulers '
        f'{_describe(cfg.param_scheduler)}'
    ]


def _set_lr(cfg: Config, lr: float) -> List[str]:
    optimizer = cfg.optim_wrapper.optimizer
    old = optimizer.lr
    optimizer.lr = lr
    schedulers = _as_list(cfg.get('param_scheduler'))
    for scheduler in schedulers:
        for key in LR_KEYS:
            if scheduler.get(key):
                scheduler[key] = scheduler[key] * lr / old
    if cfg.get('param_scheduler') is not None:
        cfg.param_scheduler = schedulers
    return [f'learning rate {lr:g} (was {old:g})']


def _as_list(schedulers) -> List[dict]:
    if schedulers is None:
        return []
    if isinstance(schedulers, dict):
        return [dict(schedulers)]
    return [dict(s) for s in schedulers]


def _describe(schedulers: List[dict]) -> str:
    if not schedulers:
        return 'none'
    return ', '.join(f'{s["type"]} [{s.get("begin", 0)}, '
                     f'{s.get("end", "end")})' for s in schedulers)


def train_epoch_length(cfg: Config) -> int:
    """Iterations per epoch of the config's training loader (its dataset
    is built to count it: sampler, batch size and ``drop_last`` as
    configured)."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader = Runner.build_dataloader(cfg.train_dataloader)
    return len(loader)

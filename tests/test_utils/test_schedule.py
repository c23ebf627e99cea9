"""tools/train.py's --iters / --epochs / --batch-size / --lr
(mmdefect.utils.rescale_schedule) on iteration- and epoch-based configs:
the schedulers, validation and checkpoints keep their share of the
training, and every shipped config's rewritten schedule builds and steps."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from mmdefect.utils import is_epoch_based, rescale_schedule
from mmdefect.utils.schedule import MIN_ITER_INTERVAL

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ITER_CONFIG = 'configs/cadnet/cadnet_synlcd-quickstart.py'  # 500 iterations
EPOCH_CONFIG = 'configs/lsanet/lsanet_synlcd-256.py'  # 500 epochs, cosine
MFFPA_CONFIG = 'configs/mffpa/mffpa_folder.py'  # 50 epochs, constant lr
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py')))


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def test_iterations_of_an_iteration_based_config():
    cfg = load(ITER_CONFIG)
    assert not is_epoch_based(cfg)
    # Warm-up [0, 50), poly decay [50, 500); validation and checkpoint at
    # 500; a log line every 5 iterations.
    changes = rescale_schedule(cfg, iters=50)
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=50, val_interval=50, val_begin=1)
    warmup, decay = cfg.param_scheduler
    assert (warmup.type, warmup.begin, warmup.end) == ('LinearLR', 0, 5)
    assert (decay.type, decay.begin, decay.end) == ('PolyLR', 5, 50)
    assert not warmup.by_epoch and not decay.by_epoch
    assert cfg.default_hooks.checkpoint.interval == 50
    assert cfg.default_hooks.logger.interval == 5
    assert changes == [
        '50 iterations (was 500 iterations); validation every 50 from 1; '
        'schedulers LinearLR [0, 5), PolyLR [5, 50)'
    ]
    # A warm-up rounded to nothing keeps one iteration.
    cfg = load(ITER_CONFIG)
    rescale_schedule(cfg, iters=3)
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 1), (1, 3)]
    assert cfg.default_hooks.logger.interval == 1


def test_iterations_of_an_epoch_based_config():
    cfg = load(EPOCH_CONFIG)
    assert is_epoch_based(cfg)
    assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
    rescale_schedule(cfg, iters=100)
    # 500 epochs validated every 10: their share, every 2 of 100
    # iterations, is below the floor of 50; the cosine over the 500 epochs
    # spans the 100 iterations, stepped per iteration.
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=100, val_interval=50, val_begin=1)
    (cosine, ) = cfg.param_scheduler
    assert (cosine.T_max, cosine.begin, cosine.end, cosine.by_epoch,
            cosine.eta_min) == (100, 0, 100, False, 1e-5)
    assert cfg.train_dataloader.sampler == dict(
        type='InfiniteSampler', shuffle=True)
    assert cfg.default_hooks.checkpoint.interval == 50
    assert not cfg.default_hooks.checkpoint.by_epoch
    assert not cfg.log_processor.by_epoch


def test_validation_and_checkpoint_intervals_have_a_floor():
    """A rescaled schedule validates and saves at its share of the run but
    never more often than every MIN_ITER_INTERVAL iterations: a run
    shorter than that once, at its end."""
    assert MIN_ITER_INTERVAL == 50
    # MFFPA: 50 epochs, validation and checkpoints every 5 (a tenth).
    for iters, interval in ((20, 20), (120, 50), (2000, 200)):
        cfg = load(MFFPA_CONFIG)
        changes = rescale_schedule(cfg, iters=iters)
        assert cfg.train_cfg.val_interval == interval
        assert cfg.default_hooks.checkpoint.interval == interval
        assert f'validation every {interval} from 1' in changes[0]
    # An iteration-based config's own interval below the floor is kept
    # where its share would be shorter still.
    for iters, interval in ((30, 20), (300, 60)):
        cfg = Config(
            dict(
                train_cfg=dict(
                    type='IterBasedTrainLoop', max_iters=100, val_interval=20),
                default_hooks=dict(
                    checkpoint=dict(by_epoch=False, interval=20),
                    logger=dict(interval=10)),
                train_dataloader=dict(sampler=dict(type='InfiniteSampler')),
                param_scheduler=[]))
        rescale_schedule(cfg, iters=iters)
        assert cfg.train_cfg.val_interval == interval
        assert cfg.default_hooks.checkpoint.interval == interval


def test_epochs_and_learning_rate():
    cfg = load(EPOCH_CONFIG)
    rescale_schedule(cfg, epochs=50, batch_size=2, lr=0.01)
    assert cfg.train_cfg.max_epochs == 50 and cfg.train_cfg.val_interval == 1
    (cosine, ) = cfg.param_scheduler
    assert (cosine.T_max, cosine.end, cosine.by_epoch) == (50, 50, True)
    # lr 1e-3 -> 1e-2: the minimum keeps its ratio (1e-5 -> 1e-4).
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cosine.eta_min == pytest.approx(1e-4)
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.default_hooks.checkpoint.interval == 1
    # Epochs of an iteration-based config: iterations of that many epochs.
    cfg = load(ITER_CONFIG)
    with pytest.raises(ValueError, match='need the epoch length'):
        rescale_schedule(cfg, epochs=2)
    changes = rescale_schedule(cfg, epochs=2, epoch_length=30)
    assert changes[0] == '2 epochs of 30 iterations = 60 iterations'
    assert cfg.train_cfg.max_iters == 60
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 6), (6, 60)]


def test_bad_values():
    cfg = load(ITER_CONFIG)
    with pytest.raises(ValueError, match='not both'):
        rescale_schedule(cfg, iters=5, epochs=5)
    with pytest.raises(ValueError, match='iters must be a positive integer'):
        rescale_schedule(cfg, iters=0)
    with pytest.raises(ValueError, match='lr must be positive'):
        rescale_schedule(cfg, lr=-1.0)


def _run_schedule(cfg, iters):
    """Build the rewritten schedulers on a one-parameter SGD and step them
    through the training; returns the learning rates."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=optimizer))
        for s in cfg.param_scheduler
    ]
    rates = []
    for _ in range(iters):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return rates


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/_base_/' not in p])
def test_every_config_trains_any_number_of_iterations(path):
    """``--iters 7`` on every config: an iteration loop of 7 with every
    scheduler iteration-stepped and within it (a phase may start at its
    last iteration), validation and checkpoints within it, and schedulers
    that mmengine builds and steps without error to a finite rate."""
    cfg = load(path)
    base_lr = cfg.optim_wrapper.optimizer.lr
    rescale_schedule(cfg, iters=7)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == 7
    assert 1 <= cfg.train_cfg.val_interval <= 7
    assert 1 <= cfg.default_hooks.checkpoint.interval <= 7
    for scheduler in cfg.param_scheduler:
        assert scheduler.by_epoch is False
        assert 0 <= scheduler.get('begin', 0) < 7
        assert scheduler.get('end', 7) <= 8
    rates = _run_schedule(cfg, 7)
    assert all(0 <= r <= base_lr * 1.0001 for r in rates), rates

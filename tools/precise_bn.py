"""Recompute a trained model's BatchNorm statistics ("precise BN").

A BatchNorm layer tests with running estimates of its inputs' mean and
variance that training updates with momentum while the weights are still
moving; they can end up far from the statistics of the final weights, and
then the model tests worse than it trained (a checkpoint that fits its
training batches but marks the wrong pixels in eval mode).  This runs the
frozen model (in test mode: no dropout or stochastic depth) over
``--num-samples`` images of the config's training loader and sets every
BatchNorm layer's statistics to the average of the batch statistics
(Wu and Johnson, "Rethinking 'Batch' in BatchNorm", 2021, Sec. 3;
mmpretrain's ``update_bn_stats``, which its ``PreciseBNHook`` runs
during training), then writes the checkpoint with them.

Only the BatchNorm buffers change.  An operating point stored by
``tools/calibrate.py`` belongs to the old statistics: it is dropped from
the new checkpoint (run calibrate.py on it again).
"""
import argparse
import io
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.runner import Runner
from mmpretrain.engine.hooks.precise_bn_hook import update_bn_stats
from mmseg.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from mmdefect.utils import load_config, setup_runtime, write_file
from mmdefect.utils.checkpoint import load_weights


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Recompute a model's BatchNorm statistics on its "
        'training data')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='trained checkpoint (read)')
    parser.add_argument('out', help='checkpoint to write')
    parser.add_argument(
        '--num-samples',
        type=int,
        default=400,
        help='training images to average the statistics over (default: '
        '400; fewer when the training set is smaller)')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing OUT')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config')
    args = parser.parse_args(argv)
    if args.num_samples < 1:
        parser.error('--num-samples must be at least 1')
    if osp.exists(args.out) and not args.overwrite:
        parser.error(f'{args.out} already exists; pass --overwrite to '
                     'replace it')
    return args


def batch_norms(model: torch.nn.Module) -> dict:
    """The BatchNorm layers of ``model`` by name."""
    return {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, _BatchNorm)
    }


def recompute(model: torch.nn.Module, loader, num_samples: int) -> int:
    """Set the BatchNorm statistics of ``model`` to the mean of its batch
    statistics over ``num_samples`` images of ``loader``; returns the
    number of batches used.  The weights are not touched."""
    if not batch_norms(model):
        raise ValueError('the model has no BatchNorm layer: nothing to '
                         'recompute')
    batches = min(len(loader), max(1, num_samples // loader.batch_size))
    # The network as it tests (dropout and stochastic depth off), only the
    # BatchNorm layers in training mode: update_bn_stats updates those.
    model.eval()
    for layer in batch_norms(model).values():
        layer.train()
    with torch.no_grad():
        update_bn_stats(
            model,
            loader,
            num_samples=batches * loader.batch_size,
            logger='silent')
    model.eval()
    return batches


def main(argv=None):
    args = parse_args(argv)
    setup_runtime()
    cfg = load_config(args.config, args.cfg_options)
    model = MODELS.build(cfg.model)
    state = load_weights(model, args.checkpoint)
    loader = cfg.train_dataloader.copy()
    loader.update(num_workers=0, persistent_workers=False)
    batches = recompute(model, Runner.build_dataloader(loader, seed=0),
                        args.num_samples)
    # Only the statistics change (not even the layers' batch counters).
    weights = model.state_dict()
    source = state.get('state_dict', state)
    layers = batch_norms(model)
    for name in layers:
        key = f'{name}.num_batches_tracked'
        weights[key] = source.get(key, weights[key])
    meta = dict(state.get('meta') or {})
    dropped = meta.pop('calibration', None) is not None
    meta['precise_bn'] = dict(
        source=osp.basename(args.checkpoint),
        batches=batches,
        images=batches * loader.batch_size,
        layers=len(layers))
    buffer = io.BytesIO()
    runner_state = state if 'state_dict' in state else {}  # or bare weights
    torch.save(dict(runner_state, state_dict=weights, meta=meta), buffer)
    write_file(args.out, buffer.getvalue())
    print(f'{len(layers)} BatchNorm layers recomputed over '
          f'{batches} batches ({batches * loader.batch_size} training '
          f'images); written to {args.out}' +
          ('; its operating point was dropped: run tools/calibrate.py on it'
           if dropped else ''))


if __name__ == '__main__':
    main()

"""Train a segmentor (mmseg's ``tools/train.py`` arguments).

``--iters``, ``--epochs``, ``--batch-size`` and ``--lr`` work for every
config, iteration- or epoch-based: the warm-up, the decay, validation and
checkpoints keep their share of the training
(:func:`mmdefect.utils.rescale_schedule`).  ``--cfg-options`` are applied
after them.
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmdefect.utils import (apply_color_type, check_checkpoint_to_load,
                            is_epoch_based, quiet_runner_logger,
                            rescale_schedule, setup_cpu_distributed,
                            setup_runtime, teardown_distributed,
                            train_epoch_length)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        '--iters',
        type=int,
        help='train this many iterations (an epoch-based config becomes '
        'iteration-based); warm-up, decay, validation and checkpoints keep '
        'their share')
    length.add_argument(
        '--epochs',
        type=int,
        help='train this many epochs (an iteration-based config counts '
        'the iterations of that many epochs)')
    parser.add_argument('--batch-size', type=int, help='training batch size')
    parser.add_argument(
        '--lr',
        type=float,
        help='learning rate (the schedule\'s minimum keeps its ratio)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config (after the options above), '
        'e.g. train_dataloader.num_workers=0 randomness.seed=1')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    setup_runtime()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    epoch_length = None
    if args.epochs is not None and not is_epoch_based(cfg):
        if args.batch_size is not None:
            cfg.train_dataloader.batch_size = args.batch_size
        epoch_length = train_epoch_length(cfg)
    for change in rescale_schedule(
            cfg,
            iters=args.iters,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            epoch_length=epoch_length):
        print_log(change, logger='current')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_color_type(cfg)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in the config.',
                logger='current',
                level=logging.WARNING)
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = args.resume
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    quiet_runner_logger(runner.logger)
    check_checkpoint_to_load(runner, training=True)
    runner.train()
    del runner  # its DDP wrapper holds the process group
    teardown_distributed()


if __name__ == '__main__':
    main()

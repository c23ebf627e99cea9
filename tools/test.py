"""Test a segmentor (mmseg's ``tools/test.py`` arguments)."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from mmdefect.datasets.transforms import with_registration
from mmdefect.evaluation.calibration import (apply_operating_point,
                                             calibration_of)
from mmdefect.utils import (apply_color_type, check_checkpoint_to_load,
                            setup_cpu_distributed, setup_runtime,
                            teardown_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='directory for the evaluation metrics and logs')
    parser.add_argument(
        '--out',
        type=str,
        help='directory to save predicted masks (PNG, class indices)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted predictions are saved; with it the '
        'visualisation hook writes the panels')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--threshold',
        type=float,
        help='decide pixels and images at this threshold instead of the '
        'operating point the checkpoint was calibrated at '
        '(tools/calibrate.py); uncalibrated checkpoints decide at 0.5')
    parser.add_argument(
        '--register',
        action='store_true',
        help='register every template to its sample first '
        '(RegisterTemplate after the loading transforms)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks; see '
            'configs/_base_/schedules for an example')
    hook = default_hooks['visualization']
    hook['draw'] = True
    # A requested show dir should hold every test image, not every 50th.
    hook['interval'] = 1
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        visualizer = cfg.visualizer
        visualizer['save_dir'] = args.show_dir
        cfg.custom_hooks = [
            *cfg.get('custom_hooks', []),
            dict(type='PredictionSummaryHook', out_dir=args.show_dir)
        ]
    return cfg


def main():
    args = parse_args()
    setup_runtime()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_color_type(cfg)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    apply_operating_point(
        cfg,
        calibration_of(args.checkpoint),
        f'checkpoint {args.checkpoint}',
        threshold=args.threshold)
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.register:
        dataset = cfg.test_dataloader.dataset
        dataset.pipeline = with_registration(dataset.pipeline)
    if args.out is not None:
        # The mask writer of mmseg's IoUMetric, in a list of metrics too.
        metrics = cfg.test_evaluator
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            if issubclass(METRICS.get(metric['type']), IoUMetric):
                metric['output_dir'] = args.out
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    check_checkpoint_to_load(runner, training=False)
    runner.test()
    del runner  # its DDP wrapper holds the process group
    teardown_distributed()


if __name__ == '__main__':
    main()

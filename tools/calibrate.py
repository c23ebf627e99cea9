"""Choose a model's operating point on a calibration split.

Runs the model over the split (the validation split by default: never the
test split, which would measure the threshold on the data it was chosen
from), applies the rule at image and pixel level and writes the record into
the checkpoint's ``meta['calibration']`` and into ``calibration.json`` next
to the checkpoint.  From then on ``tools/test.py``, ``tools/infer.py``,
``DefectInferencer`` and the ONNX export decide at these thresholds.

Rules (``--target``):
  f1_max   best F1 on the split (labelled defects needed)
  fpr      false-call rate on defect-free images, e.g. 0.01 (good images
           alone are enough)
  recall   share of defective images (pixel level: defect regions) to
           flag, e.g. 1.0 for no escapes
  manual   the threshold itself
"""
import argparse
import io
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from mmdefect.evaluation.calibration import THRESHOLD_KEYS, config_hash
from mmdefect.evaluation.functional import RULES, CalibrationError
from mmdefect.utils import load_config, setup_runtime, write_data, write_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Choose the operating point (thresholds) of a model',
        epilog=__doc__.split('\n\n', 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (updated)')
    parser.add_argument('--rule', choices=RULES, default='f1_max')
    parser.add_argument(
        '--target', type=float, help='target of the rule (see below)')
    parser.add_argument(
        '--split',
        choices=('val', 'train', 'test'),
        default='val',
        help='dataloader of the config to calibrate on (default: val)')
    parser.add_argument(
        '--work-dir',
        help='folder for the logs (default: next to the '
        'checkpoint, calibrate/)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config')
    args = parser.parse_args(argv)
    if args.rule != 'f1_max' and args.target is None:
        parser.error(f'--rule {args.rule} needs --target')
    return args


def calibration_config(cfg: Config, split: str, rule: str, target,
                       checkpoint: str) -> Config:
    """``cfg`` set up to run the split through the test loop with a
    :class:`CalibrationMetric`, the model without thresholds."""
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise ValueError(f'the config has no {split}_dataloader')
    loader = loader.copy()
    if split == 'train':
        loader.dataset.pipeline = cfg.test_dataloader.dataset.pipeline
        loader.sampler = dict(type='DefaultSampler', shuffle=False)
        loader.batch_size = cfg.test_dataloader.get('batch_size', 1)
    cfg.test_dataloader = loader
    cfg.test_evaluator = dict(
        type='CalibrationMetric', rule=rule, target=target, split=split)
    for key in THRESHOLD_KEYS:
        cfg.model.get('test_cfg', {}).pop(key, None)
    cfg.load_from = checkpoint
    return cfg


def write_record(checkpoint: str, record: dict) -> str:
    """Store ``record`` in the checkpoint's meta and beside it; returns the
    json path.  Both files are replaced atomically."""
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state.setdefault('meta', {})['calibration'] = record
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_file(checkpoint, buffer.getvalue())
    path = osp.join(osp.dirname(osp.abspath(checkpoint)), 'calibration.json')
    write_data(path, record, indent=2)
    return path


def main(argv=None):
    args = parse_args(argv)
    setup_runtime()
    cfg = load_config(args.config, args.cfg_options)
    digest = config_hash(cfg)
    cfg.work_dir = args.work_dir or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)), 'calibrate')
    cfg = calibration_config(cfg, args.split, args.rule, args.target,
                             args.checkpoint)
    runner = Runner.from_cfg(cfg)
    try:
        runner.test()
    except CalibrationError as error:
        raise SystemExit(f'calibration failed: {error}')
    record = runner.test_evaluator.metrics[0].calibration
    record.update(
        config_hash=digest,
        config=osp.basename(args.config),
        checkpoint=osp.basename(args.checkpoint))
    path = write_record(args.checkpoint, record)
    print(f'operating point ({args.rule}, target {args.target}) on the '
          f"{args.split} split, {record['num_good']} good / "
          f"{record['num_defective']} defective images:")
    for level in ('image', 'pixel'):
        point = record[level]
        if point is None:
            print(f"  {level}: not calibrated ({record['pixel_note']})")
            continue
        rates = ', '.join(
            f'{name} ' + ('-' if point[key] is None else f'{point[key]:.4f}')
            for name, key in (('false-call rate', 'false_call_rate'),
                              ('recall', 'recall'), ('precision',
                                                     'precision')))
        print(f"  {level} threshold {point['threshold']:.4g}: {rates}")
    print(f'written into {args.checkpoint} (meta) and {path}')


if __name__ == '__main__':
    main()

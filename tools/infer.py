"""Segment defects in the images of a list file or folder; write masks,
panels and a summary.

Inputs are parsed by the model's test dataset class (``DefectDataset``), so
the tool reads exactly what training and testing read:

* a **list file** in the dataset's column layout (by default ``sample
  template mask`` per line; ``-`` for a missing value, trailing values may
  be left out), paths relative to the list file's folder or to ``--root``,
  or a ``.json`` annotation file;
* a **folder** with ``sample/``, ``template/`` (or ``--template-dir``) and
  optionally ``mask/``, files of one name per sample; a folder without
  ``sample/`` is itself the sample folder.

Single-image models need no template.  Where a mask is listed it is loaded,
mapped and validated as in testing, and the panel shows the ground truth and
the errors.

Outputs under ``--out``:
  masks/<stem>.png      class indices (uint8)
  overlays/<stem>.png   the DefectVisualizer panel: sample | template |
                        prediction (with the image score) | heat maps |
                        ground truth | errors
  summary.json, summary.csv   one entry per input: paths, ground-truth
                        image label (1 defective, 0 good; empty without a
                        mask or label), score, decision (the predicted
                        label, 1 defective: the score at or above the
                        operating point's image threshold, see
                        docs/operating_points.md), defect area per class,
                        status

``--register`` aligns every template to its sample first (ECC, feature
fallback; docs/inference.md): pixels outside the warped template are not
flagged, and a pair under the alignment-quality floor is listed with status
``rejected`` and its score instead of being segmented.  ``--tile SIZE``
infers large images in sliding windows of SIZE x SIZE (``--tile-stride``,
default 3/4 of SIZE), the sample and template cut in lockstep.

A bad input (missing or unreadable image, size mismatch, bad mask) is
reported on stderr, listed in the summary with its error and skipped; the
exit status is 1 if any failed or was rejected.  Every file is written
under a temporary name and renamed, so an interrupted run leaves no
half-written file.
"""
import argparse
import os.path as osp
import sys
from typing import List

import mmcv
import numpy as np
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from mmdefect.apis import DefectInferencer
from mmdefect.apis.prediction_summary import (PREDICTION_FIELDS, area_fields,
                                              prediction_fields, write_csv)
from mmdefect.datasets.transforms import RegistrationError
from mmdefect.evaluation.calibration import THRESHOLD_KEYS
from mmdefect.utils import write_data, write_png

INPUT_ERRORS = (OSError, ValueError, KeyError)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Segment defects in sample/template pairs or images')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--pairs',
        required=True,
        help='list file (the test dataset\'s columns, by default "sample '
        'template [mask]" per line), .json annotation file, or folder '
        '(sample/, template/, optional mask/)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threshold',
        type=float,
        help='decide pixels and images at this threshold instead of the '
        'operating point the checkpoint was calibrated at '
        '(tools/calibrate.py); uncalibrated checkpoints decide at 0.5')
    parser.add_argument(
        '--root',
        help='folder the list file\'s paths are relative to (default: the '
        'list file\'s folder); e.g. the data root for a dataset\'s '
        'splits/test.txt')
    parser.add_argument(
        '--template-dir',
        help='folder of templates named like the samples (folder input)')
    parser.add_argument(
        '--panel-height',
        type=int,
        default=256,
        help='tile height of the overlay panels in pixels')
    parser.add_argument(
        '--register',
        action='store_true',
        help='register every template to its sample first; pairs that do '
        'not register are rejected')
    parser.add_argument(
        '--tile',
        type=int,
        help='sliding-window inference in windows of this side (px)')
    parser.add_argument(
        '--tile-stride', type=int, help='window stride (default: 3/4 tile)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as for training (e.g. '
        'color_type=color)')
    return parser.parse_args(argv)


def unique_stems(items: List[dict]) -> List[str]:
    """Output names: the sample's file stem, numbered where stems repeat."""
    seen = {}
    stems = []
    for item in items:
        stem = osp.splitext(osp.basename(item['img_path']))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        stems.append(stem if count == 0 else f'{stem}-{count}')
    return stems


def segment(inferencer: DefectInferencer, items: List[dict], batch_size: int):
    """Yield ``(index, prediction, panel, error)`` per item, in order.

    A batch that fails to load is retried one item at a time, so that one
    bad input costs only itself.
    """
    try:
        out = inferencer(
            items,
            batch_size=batch_size,
            return_datasamples=True,
            return_vis=True)
    except INPUT_ERRORS as err:
        if len(items) == 1:
            yield 0, None, None, err
            return
        for index, item in enumerate(items):
            for _, pred, panel, error in segment(inferencer, [item], 1):
                yield index, pred, panel, error
        return
    for index, (pred, panel) in enumerate(
            zip(out['predictions'], out['visualization'])):
        yield index, pred, panel, None


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.exists(args.pairs):
        raise FileNotFoundError(f'--pairs {args.pairs} does not exist')
    cfg_options = dict(args.cfg_options or {})
    if args.tile is not None:
        stride = args.tile_stride or args.tile * 3 // 4
        cfg_options.update({
            'model.test_cfg.mode': 'slide',
            'model.test_cfg.crop_size': (args.tile, args.tile),
            'model.test_cfg.stride': (stride, stride)
        })
    inferencer = DefectInferencer(
        args.config,
        args.checkpoint,
        device=args.device,
        threshold=args.threshold,
        register=args.register,
        cfg_options=cfg_options or None)
    inferencer.visualizer.panel_height = args.panel_height
    items = inferencer.dataset_items(args.pairs, args.root, args.template_dir)
    classes = list(inferencer.model.dataset_meta['classes'])
    stems = unique_stems(items)
    rows = [
        dict(
            sample=item['img_path'],
            template=item.get('template_path') or '',
            mask=item.get('seg_map_path') or '',
            output=stem) for item, stem in zip(items, stems)
    ]
    progress = ProgressBar(len(items))
    for start in range(0, len(items), args.batch_size):
        chunk = items[start:start + args.batch_size]
        for index, pred, panel, error in segment(inferencer, chunk,
                                                 args.batch_size):
            row = rows[start + index]
            progress.update()
            if error is not None:
                row.update(
                    output='',
                    status='rejected'
                    if isinstance(error, RegistrationError) else 'error',
                    error=str(error))
                print(f'\nerror: {error}', file=sys.stderr)
                continue
            mask = pred.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            write_png(
                osp.join(args.out, 'masks', row['output'] + '.png'), mask)
            write_png(
                osp.join(args.out, 'overlays', row['output'] + '.png'),
                mmcv.rgb2bgr(panel))
            row.update(
                **prediction_fields(pred, classes), status='ok', error='')
    write_summary(args, rows, classes, inferencer.model.test_cfg)
    failed = sum(row['status'] != 'ok' for row in rows)
    print(f'\n{len(rows) - failed} of {len(rows)} inputs segmented; results '
          f'in {args.out}')
    if failed:
        print(
            f'{failed} input(s) failed; see {args.out}/summary.json',
            file=sys.stderr)
    return 1 if failed else 0


def write_summary(args, rows: List[dict], classes: List[str],
                  test_cfg: dict) -> None:
    fields = [
        'sample', 'template', 'mask', 'output', *PREDICTION_FIELDS,
        *area_fields(classes), 'status', 'error'
    ]
    summary = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        operating_point={key: test_cfg.get(key)
                         for key in THRESHOLD_KEYS},
        classes=classes,
        results=[{
            k: row.get(k)
            for k in fields
        } for row in rows])
    write_data(osp.join(args.out, 'summary.json'), summary, indent=2)
    write_csv(osp.join(args.out, 'summary.csv'), rows, fields)


if __name__ == '__main__':
    sys.exit(main())

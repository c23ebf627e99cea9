"""Evaluate checkpoints over SynOCD's misalignment sweep; write a CSV and a
PNG plot.

The sweep renders the SynOCD test scenes with the sample posed at
translation {0, 4, 8, 16, 32} px x rotation {0, 2, 5, 10} deg against its
template (``annotations/sweep_tXX_rYY.json``; (0, 0) is the control).  For
every model and every setting, the model's test pipeline and data
preprocessor run on that annotation file and ``DefectIoUMetric`` scores the
defect class (pooled IoU, precision, recall, F1; per-image IoU; pixel AP of
the defect probability, which still ranks a model whose probabilities stay
under the arg-max's 0.5)::

    python tools/analysis_tools/misalignment_sweep.py \
        CONFIG CHECKPOINT [CONFIG CHECKPOINT ...] --data-root data/synocd \
        --out work_dirs/sweep [--names siamese cadnet] [--batch-size 8] \
        [--axes-only] [--scenes annotations/batch_test.json] [--register] \
        [--join work_dirs/other_sweep/sweep.csv]

``--scenes`` keeps the renderings of the scenes an annotation file lists:
the sweep re-renders the random split's test scenes, so a model trained on
the held-out-batch split has seen about half of them; ``--scenes
annotations/batch_test.json`` keeps those of the held-out batch (46 of the
184 at the default size).

``--register`` evaluates every paired model (``DefectDataPreProcessor``
``num_images=2``) a second time with the template registered to its sample
first (:func:`~mmdefect.datasets.transforms.with_registration` on its test
pipeline: ECC on a pyramid, feature fallback; pixels outside the warped
template are ignored and never flagged); single-image models have no
template to register and are evaluated once.

``--join`` adds the rows of earlier runs (other models, evaluated in
another process, e.g. while this one's were still training) to this run's
CSV and plot, as if all had run together (the evaluation is deterministic);
a model in both is refused.

Outputs: ``OUT/sweep.csv`` (one row per model, registration and setting;
``registered`` 0/1 and, for registered rows, the mean alignment correlation
``alignment_correlation`` and the share of ECC results ``ecc_fraction``) and
``OUT/sweep.png`` (defect IoU and pixel AP against translation at rotation 0
and against rotation at translation 0, one line per model, dashed with
registration).  Both are written atomically.
"""
import argparse
import csv
import io
import json
import os
import os.path as osp
import re
import sys
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner

from mmdefect.apis import init_model
from mmdefect.datasets.transforms import with_registration
from mmdefect.utils import write_file

METRICS = ('defect.IoU', 'defect.F1', 'defect.Precision', 'defect.Recall',
           'defect.IoU_per_image', 'defect.AP_pixel')
ALIGNMENT = ('alignment_correlation', 'ecc_fraction')
SWEEP = re.compile(r'sweep_t(\d+)_r(\d+)\.json$')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Defect IoU/F1 of models over the SynOCD misalignment '
        'sweep')
    parser.add_argument(
        'models',
        nargs='+',
        metavar='CONFIG CHECKPOINT',
        help='one or more config/checkpoint pairs')
    parser.add_argument(
        '--data-root',
        required=True,
        help='SynOCD folder (holding annotations/sweep_*)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--names', nargs='+', help='model names (default: config file stems)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--scenes',
        metavar='ANN_FILE',
        help='only the scenes this annotation file lists (relative to the '
        'data root), e.g. the held-out test batch')
    parser.add_argument(
        '--axes-only',
        action='store_true',
        help='only the settings the plot shows (translation at rotation 0, '
        'rotation at translation 0): 8 of the 20')
    parser.add_argument(
        '--register',
        action='store_true',
        help='also evaluate every paired model with the template registered '
        'to its sample (RegisterTemplate)')
    parser.add_argument(
        '--join',
        nargs='+',
        default=[],
        metavar='CSV',
        help="sweep.csv files of earlier runs whose models join this run's "
        'table and plot')
    args = parser.parse_args(argv)
    if len(args.models) % 2:
        parser.error('give CONFIG CHECKPOINT pairs')
    pairs = list(zip(args.models[::2], args.models[1::2]))
    names = args.names or [osp.splitext(osp.basename(c))[0] for c, _ in pairs]
    if len(names) != len(pairs):
        parser.error(f'{len(names)} names for {len(pairs)} models')
    return args, pairs, names


def read_rows(path: str) -> List[dict]:
    """The rows of an earlier run's ``sweep.csv``, typed as :func:`main`
    makes them."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'--join {path}: no such file')
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    missing = {'model', 'registered', 'translation', 'rotation', *METRICS
               } - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f'--join {path}: not a sweep.csv (no rows, or no '
                         f'{sorted(missing)} columns)')
    for row in rows:
        for key in ('registered', 'translation', 'rotation'):
            row[key] = int(row[key])
        for key in (*METRICS, *ALIGNMENT):
            row[key] = float(row[key]) if row.get(key) else ''
    return rows


def sweep_files(data_root: str) -> Dict[tuple, str]:
    """(translation, rotation) -> annotation file, relative to the root."""
    folder = osp.join(data_root, 'annotations')
    files = {}
    if osp.isdir(folder):
        for name in sorted(os.listdir(folder)):
            match = SWEEP.match(name)
            if match:
                files[(int(match[1]), int(match[2]))] = f'annotations/{name}'
    if (0, 0) not in files:
        raise FileNotFoundError(
            f'{folder} holds no sweep annotations (sweep_t00_r00.json ...); '
            'generate SynOCD without --no-sweep')
    return files


def keep_scenes(files: Dict[tuple, str], data_root: str, scenes: str,
                out: str) -> Dict[tuple, str]:
    """Sweep annotation files reduced to the scenes ``scenes`` lists
    (matched by image file name), written under ``out/annotations``."""
    with open(osp.join(data_root, scenes)) as f:
        kept = {
            osp.basename(item['img_path'])
            for item in json.load(f)['data_list']
        }
    reduced = {}
    for key, ann_file in files.items():
        with open(osp.join(data_root, ann_file)) as f:
            content = json.load(f)
        content['data_list'] = [
            item for item in content['data_list']
            if osp.basename(item['img_path']) in kept
        ]
        if not content['data_list']:
            raise ValueError(f'{ann_file} holds none of the scenes of '
                             f'{scenes}')
        path = osp.abspath(osp.join(out, ann_file))
        write_file(path, json.dumps(content).encode())
        reduced[key] = path
    return reduced


@torch.no_grad()
def evaluate(model,
             cfg: Config,
             data_root: str,
             ann_file: str,
             batch_size: int,
             register: bool = False) -> dict:
    """Defect metrics of ``model`` on one sweep annotation file, with the
    templates registered where ``register``; then also the mean
    ``alignment_correlation`` and the ``ecc_fraction`` of the pairs."""
    pipeline = cfg.test_dataloader.dataset.pipeline
    loader_cfg = dict(
        cfg.test_dataloader,
        batch_size=batch_size,
        num_workers=0,
        persistent_workers=False,
        dataset=dict(
            cfg.test_dataloader.dataset,
            data_root=data_root,
            ann_file=ann_file,
            pipeline=with_registration(pipeline) if register else pipeline))
    loader = Runner.build_dataloader(loader_cfg)
    evaluator = Evaluator(dict(type='DefectIoUMetric', iou_metrics=['mIoU']))
    evaluator.dataset_meta = loader.dataset.metainfo
    alignments = []
    for batch in loader:
        preds = model.test_step(batch)
        alignments += [
            p.metainfo['registration'] for p in preds
            if 'registration' in p.metainfo
        ]
        evaluator.process(preds, batch)
    metrics = evaluator.evaluate(len(loader.dataset))
    if register:
        metrics.update(
            alignment_correlation=round(
                sum(a['correlation'] for a in alignments) / len(alignments),
                4),
            ecc_fraction=round(
                sum(a['method'] == 'ecc'
                    for a in alignments) / len(alignments), 4))
    return metrics


def plot(rows: List[dict], path: str) -> List[str]:
    """IoU and pixel AP against translation (rotation 0) and rotation
    (translation 0), one line per model and registration (dashed: with
    registration, in the model's colour); returns the lines' labels."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(10.5, 7), sharey='row')
    names = list(dict.fromkeys(row['model'] for row in rows))
    colours = dict(
        zip(names,
            plt.rcParams['axes.prop_cycle'].by_key()['color'] * len(names)))
    panels = (('translation', 'rotation'), ('rotation', 'translation'))
    for r, metric in enumerate(('defect.IoU', 'defect.AP_pixel')):
        for c, (axis, fixed) in enumerate(panels):
            ax = axes[r, c]
            for name in names:
                for registered in (0, 1):
                    points = sorted((row[axis], row[metric]) for row in rows
                                    if row['model'] == name and row[fixed] == 0
                                    and row['registered'] == registered)
                    if points:
                        ax.plot(
                            *zip(*points),
                            marker='o',
                            color=colours[name],
                            linestyle='--' if registered else '-',
                            label=name +
                            (' + registration' if registered else ''))
            unit = 'px' if axis == 'translation' else 'deg'
            ax.set_xlabel(f'{axis} ({unit}; {fixed} 0)')
            ax.set_ylabel(f'{metric} (%)')
            ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    # Below the panels, so that no curve is hidden behind it.
    columns = min(5, len(labels))  # a model above its registered line
    rows_of_legend = -(-len(labels) // columns)
    fig.legend(
        handles,
        labels,
        loc='lower center',
        ncol=columns,
        fontsize=8,
        frameon=False)
    fig.suptitle('SynOCD misalignment sweep (sample posed against its '
                 'template)')
    fig.tight_layout(rect=(0, 0.035 * rows_of_legend, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    plt.close(fig)
    write_file(path, buffer.getvalue())
    return labels


def main(argv=None) -> int:
    args, pairs, names = parse_args(argv)
    files = sweep_files(args.data_root)
    if args.axes_only:
        files = {key: ann for key, ann in files.items() if 0 in key}
    if args.scenes:
        files = keep_scenes(files, args.data_root, args.scenes, args.out)
    rows = [row for path in args.join for row in read_rows(path)]
    both = set(names) & {row['model'] for row in rows}
    if both:
        raise ValueError(f'{sorted(both)} are in a --join file and '
                         'evaluated here: rename one')
    for name, (config, checkpoint) in zip(names, pairs):
        model = init_model(config, checkpoint, device=args.device)
        paired = getattr(model.data_preprocessor, 'num_images', 1) == 2
        for register in (False,
                         True) if args.register and paired else (False, ):
            for (translation, rotation), ann_file in files.items():
                metrics = evaluate(model, model.cfg, args.data_root, ann_file,
                                   args.batch_size, register)
                row = dict(
                    model=name,
                    registered=int(register),
                    translation=translation,
                    rotation=rotation,
                    **{k: metrics[k]
                       for k in METRICS},
                    **{k: metrics.get(k, '')
                       for k in ALIGNMENT})
                rows.append(row)
                print(
                    f'{name}{" registered" if register else ""} '
                    f't={translation:2d}px r={rotation:2d}deg: '
                    f'IoU {row["defect.IoU"]:6.2f}  pixel AP '
                    f'{row["defect.AP_pixel"]:6.2f}',
                    flush=True)
    text = io.StringIO()
    writer = csv.DictWriter(
        text,
        fieldnames=[
            'model', 'registered', 'translation', 'rotation', *METRICS,
            *ALIGNMENT
        ])
    writer.writeheader()
    writer.writerows(rows)
    write_file(osp.join(args.out, 'sweep.csv'), text.getvalue().encode())
    plot(rows, osp.join(args.out, 'sweep.png'))
    print(f'wrote {args.out}/sweep.csv and sweep.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())

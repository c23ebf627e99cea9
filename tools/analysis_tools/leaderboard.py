"""One leaderboard: every method and baseline trained with one budget on the
same generated data, scored and costed side by side.

    # everything (hours on 2 CPU cores)
    python tools/analysis_tools/leaderboard.py
    # one part at a time; results merge into docs/leaderboard.json
    python tools/analysis_tools/leaderboard.py --datasets synocd \\
        --methods BANet BGNet
    # SynOCD (defect-holding training crops) and the misalignment sweep of
    # every trained paired model
    python tools/analysis_tools/leaderboard.py --datasets synocd \\
        --iters 1000 --train-crop 128 --sweep
    # costs only (params, MACs, speed), on a quiet machine before training
    # parts side by side: speed is measured once per method and reused
    python tools/analysis_tools/leaderboard.py --cost-only
    # tables, plots, model zoo and metafiles from the stored results only
    python tools/analysis_tools/leaderboard.py --report-only
    # a GPU: every config's own (paper) schedule instead of the budget
    python tools/analysis_tools/leaderboard.py --paper-schedules

No paper compares these methods on the same data; this does.  Data:

* ``synlcd``: the 256 x 256 SynLCD of the quickstart (``data/synlcd_quick``,
  generated when missing), line and abnormal point merged into one defect
  class so that one-logit and single-image models do the same task; trained
  on 4 display patterns, tested on the 3 unseen ones; half of the images are
  defect-free, so image AP / AUROC rank the image scores.
* ``synocd``: SynOCD 256 x 256 with its default misalignment preset
  (``data/synocd``), the held-out-batch split (``annotations/batch_*.json``:
  the test pairs come from production batches never seen in training).
  Every pair is defective: no image metrics.

Single-image methods (SegFormer-B0, LSA-Net, MFFPA) see the sample alone.

Budget (CPU, default): ``--iters`` iterations of ``--batch-size`` images from
scratch for every model, with one optimiser recipe (AdamW, ``--lr``, weight
decay 0.01, a linear warm-up over the first 10 % of the iterations from
1 % of the rate, then poly decay to 0), seed ``--seed``; epoch-based configs
become iteration-based (``budget_config``).  The only per-method change is
the class balance of the loss, which a short budget needs on data with
about 1 % defect pixels: cross-entropy models weigh the defect class 10x;
the focal loss of BANet and BGNet becomes alpha-balanced BCE (gamma 0,
alpha 0.9), which their READMEs found necessary at CPU budgets; LSA-Net and
MFFPA keep their own losses.  ``--train-crop 128`` trains on 128 x 128
crops that hold some defect and tests on the whole images, as the BANet
and BGNet ablations do: SynOCD's defects cover 0.37 % of an image, and
after 300 iterations of whole 256 x 256 pairs CADNet, early fusion and the
Siamese difference marked no pixel defective (SegFormer-B0: 6.76 defect
IoU); 1,000 iterations on crops take 1.2-1.4x that time (Siamese
difference 339 s against 279 s, CADNet 345 s against 251 s, 2 threads).
``--paper-schedules`` trains every config with its own optimiser, schedule
and loss instead.

Each (dataset, method) part is trained by ``tools/train.py`` and tested by
``tools/test.py`` (``mmdefect.utils.budget_runs``); its cost comes from
``get_flops.py`` (parameters; conv+linear multiply-adds, the common
convention; the paper's own count) and ``benchmark.py`` (training s/it at
the budget's batch, batched inference img/s, peak memory), once per method
at 256 x 256.  Finished parts are reused.  Results merge into
``docs/leaderboard.json``, from which the tables of ``docs/leaderboard.md``,
the plots, the README's model zoo, each method's "Results and models" table
and the metafiles are written.
"""
import argparse
import csv
import datetime
import io
import json
import math
import os
import os.path as osp
import platform
import shutil

import yaml
from mmengine.config import Config, DictAction

from mmdefect.utils import write_file
from mmdefect.utils.budget_runs import (REPO, budget_config, budget_options,
                                        forget_test, last_checkpoint, run_tool,
                                        train_and_test, write_marked_block)

RESULTS = 'docs/leaderboard.json'
REPORT = 'docs/leaderboard.md'
IMAGES = 'docs/images'

DATASETS = {
    'synlcd':
    dict(
        title='SynLCD 256 (line + abnormal point = defect; test: 3 unseen '
        'display patterns)',
        name='SynLCD',
        data='data/synlcd_quick',
        # (file that shows a step is done, command of the step)
        generate=[
            ('meta.json', [
                'tools/dataset_converters/synlcd.py', '{data}', '--size',
                '256', '--per-pattern', '40', '--seed', '0', '--workers', '2'
            ]),
            ('splits/train_nall.json', [
                'tools/dataset_converters/mixed_supervision.py', '{data}',
                'splits/train.txt', '--num', '0', '10%', 'all',
                '--mask-value-map', '2:1'
            ]),
        ],
        splits={}),
    'synlcd-al':
    dict(
        title='SynLCD 256, out of class (CADNet Fig. 6 "AL": trained on '
        'abnormal points only, tested on lines)',
        name='SynLCD AL',
        data='data/synlcd_quick',
        generate=None,  # the SynLCD data
        splits=dict(
            train='splits/train_abpt.txt', test='splits/test_line.txt')),
    'synocd':
    dict(
        title='SynOCD 256 (default misalignment preset; test: held-out '
        'production batches)',
        name='SynOCD',
        data='data/synocd',
        generate=[('annotations/batch_test.json',
                   ['tools/dataset_converters/synocd.py', '{data}'])],
        splits=dict(
            train='annotations/batch_train.json',
            test='annotations/batch_test.json')),
}

CE_BALANCE = ['model.decode_head.loss_decode.class_weight=[1.0,10.0]']
FOCAL_AS_BCE = [
    'model.decode_head.loss_decode.gamma=0.0',
    'model.decode_head.loss_decode.alpha=0.9'
]

# paper_count: (key of get_flops.py's counts, factor, what the paper's
# table calls it), None where the paper gives parameters only.
METHODS = {
    'CADNet':
    dict(
        collection='CADNet',
        paired=True,
        backbone='MiT-B0 (Siamese)',
        configs=dict(
            synlcd='configs/cadnet/cadnet_synlcd-256_defect.py',
            synocd='configs/cadnet/cadnet_synocd-256.py'),
        balance=CE_BALANCE,
        # Unseen defect classes: Eq. 13-14's gate (Fig. 6).
        options={'synlcd-al': ['model.decode_head.mode=out_of_class']},
        paper_count=('macs', 1, 'GFLOPs = conv+linear GMACs, Table 3')),
    'BANet':
    dict(
        collection='BANet',
        paired=True,
        backbone='ResNet-34 (Siamese)',
        configs=dict(
            synlcd='configs/banet/banet_r34_synlcd-256.py',
            synocd='configs/banet/banet_r34_synocd-256.py'),
        balance=FOCAL_AS_BCE,
        paper_count=('thop_flops', 1, 'GFLOPs = 2 x thop MACs, Table II')),
    'BGNet':
    dict(
        collection='BGNet',
        paired=True,
        backbone='ResNet-34 (Siamese)',
        configs=dict(
            synlcd='configs/bgnet/bgnet_r34_synlcd-256.py',
            synocd='configs/bgnet/bgnet_r34_synocd-256.py'),
        balance=FOCAL_AS_BCE,
        paper_count=None),
    'LSA-Net':
    dict(
        collection='LSA-Net',
        paired=False,
        backbone='VGG-16 U-Net',
        configs=dict(
            synlcd='configs/lsanet/lsanet_synlcd-256.py',
            synocd='configs/lsanet/lsanet_synocd-256.py'),
        balance=[],
        paper_count=('macs', 2, 'GFLOPs = 2 x conv MACs, Table 6')),
    'MFFPA':
    dict(
        collection='MFFPA',
        paired=False,
        backbone='SegDecNet',
        configs=dict(
            synlcd='configs/mffpa/mffpa_synlcd-256_n140.py',
            synocd='configs/mffpa/mffpa_synocd-256.py'),
        balance=[],
        paper_count=('macs', 1, 'FLOPs = conv+linear GMACs, Table 9')),
    'SegFormer-B0':
    dict(
        collection='Baselines',
        paired=False,
        backbone='MiT-B0',
        configs=dict(
            synlcd='configs/baselines/segformer_mit-b0_synlcd-256_defect.py',
            synocd='configs/baselines/segformer_mit-b0_synocd-256.py'),
        balance=CE_BALANCE,
        paper_count=None),
    'Early fusion':
    dict(
        collection='Baselines',
        paired=True,
        backbone='ResNet-18 U-Net (6 channels)',
        configs=dict(
            synlcd='configs/baselines/early-fusion_r18_unet_synlcd-256_'
            'defect.py',
            synocd='configs/baselines/early-fusion_r18_unet_synocd-256.py'),
        balance=CE_BALANCE,
        paper_count=None),
    'Siamese difference':
    dict(
        collection='Baselines',
        paired=True,
        backbone='ResNet-18 (Siamese) U-Net',
        configs=dict(
            synlcd='configs/baselines/siamese_r18_unet_synlcd-256_defect.py',
            synocd='configs/baselines/siamese_r18_unet_synocd-256.py'),
        balance=CE_BALANCE,
        paper_count=None),
}

# Where each collection's papers, README and metafile are.
COLLECTIONS = {
    'CADNet':
    dict(
        folder='configs/cadnet',
        title='Change-Aware Siamese Network for Surface Defects Segmentation '
        'under Complex Background'),
    'BANet':
    dict(
        folder='configs/banet',
        title='Background-Adaptive Surface Defect Detection Neural Networks '
        'via Positive Samples (IECON 2023)'),
    'BGNet':
    dict(
        folder='configs/bgnet',
        title='Feature matching driven background generalization neural '
        'networks for surface defect segmentation',
        url='https://doi.org/10.1016/j.knosys.2024.111451'),
    'LSA-Net':
    dict(
        folder='configs/lsanet',
        title='LSA-Net: Location and shape attention network for automatic '
        'surface defect segmentation'),
    'MFFPA':
    dict(
        folder='configs/mffpa',
        title='A Method for Surface Defect Detection Based on Multiscale '
        'Feature Fusion and Pyramid Attention'),
    'Baselines':
    dict(
        folder='configs/baselines',
        title='SegFormer: Simple and Efficient Design for Semantic '
        'Segmentation with Transformers (and plain template comparisons)',
        url='https://arxiv.org/abs/2105.15203'),
}

# (results key, column title) of the accuracy part of a table; per-class
# IoU columns come first, from the metrics present.
ACCURACY = (('mIoU', 'mIoU'), ('defect.Precision', 'Pre'), ('defect.Recall',
                                                            'Rec'),
            ('defect.F1', 'F1'), ('defect.IoU_per_image', 'IoU per image'),
            ('defect.AP_pixel', 'pixel AP'), ('defect.F1_max_pixel',
                                              'best F1'),
            ('image/AP', 'image AP'), ('image/AUROC', 'image AUROC'))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--datasets', nargs='+', default=list(DATASETS), choices=DATASETS)
    parser.add_argument(
        '--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument('--iters', type=int, default=500)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--lr', type=float, default=6e-4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--train-crop',
        type=int,
        metavar='SIZE',
        help='train on SIZE x SIZE crops that hold some defect (testing '
        'stays on whole images): a CPU budget for data whose defects cover '
        'a fraction of a percent of the image (SynOCD)')
    parser.add_argument(
        '--paper-schedules',
        action='store_true',
        help="each config's own optimiser, schedule, batch and loss (GPU)")
    parser.add_argument('--work-dir', help='default: work_dirs/leaderboard')
    parser.add_argument(
        '--sweep',
        action='store_true',
        help='run the SynOCD misalignment sweep of the trained paired '
        'models (8 settings) and plot it')
    parser.add_argument(
        '--cost-only',
        action='store_true',
        help='train nothing: measure the parameters, operations and speed '
        'of the methods (kept for their later parts, so that training '
        'several parts at once cannot disturb the speed columns)')
    parser.add_argument(
        '--retest',
        action='store_true',
        help='test the trained parts again (after a metric was added), '
        'keeping their training')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='train nothing: rewrite tables, plots, model zoo and '
        'metafiles from the stored results')
    parser.add_argument(
        '--data',
        nargs='+',
        default=[],
        metavar='DATASET=PATH',
        help='another data folder of a dataset (generated there if missing)')
    parser.add_argument('--results', help=f'default: {RESULTS}')
    parser.add_argument(
        '--out-root',
        help='folder that receives the generated documents (README.md, '
        'docs/, configs/*/README.md and metafiles, model-index.yml); '
        'default: the repository')
    args = parser.parse_args()
    if args.paper_schedules and args.train_crop:
        parser.error('--train-crop is a budget option; --paper-schedules '
                     'trains each config as it is')
    for item in args.data:
        key, _, path = item.partition('=')
        if key not in DATASETS or not path:
            parser.error(f'--data {item}: expected DATASET=PATH with DATASET '
                         f'in {list(DATASETS)}')
        DATASETS[key]['data'] = osp.abspath(path)
        if key == 'synlcd':  # the out-of-class split of the same data
            DATASETS['synlcd-al']['data'] = osp.abspath(path)
    # Paths given are relative to the caller's folder, defaults to the
    # repository's (the tool runs there).
    for name, default in (('work_dir', 'work_dirs/leaderboard'),
                          ('results', RESULTS), ('out_root', '.')):
        value = getattr(args, name)
        setattr(args, name, osp.abspath(value) if value else default)
    return args


def budget(args) -> dict:
    """The budget of a run; parts merge into one table only within one."""
    if args.paper_schedules:
        return dict(paper_schedules=True)
    this = dict(
        iters=args.iters,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed)
    if args.train_crop:
        this['train_crop'] = args.train_crop
    return this


def setting_name(budget: dict) -> str:
    if budget.get('paper_schedules'):
        return 'paper-schedules'
    # A fixed order: a budget read back from the (key-sorted) results file
    # names the same setting as the one that was run.
    parts = []
    for key, short in (('iters', 'iters'), ('batch_size', 'batch'),
                       ('lr', 'lr'), ('seed', 'seed'), ('train_crop', 'crop')):
        if key in budget:
            value = budget[key]
            parts.append(f'{short}{value:g}'
                         if isinstance(value, float) else f'{short}{value}')
    return '_'.join(parts)


def describe(budget: dict) -> str:
    if budget.get('paper_schedules'):
        return "each config's own (paper) schedule, batch and loss"
    crop = budget.get('train_crop')
    size = (f'on {crop} x {crop} crops that hold some defect (tested on the '
            'whole 256 x 256 images)' if crop else 'at 256 x 256')
    return (f"{budget['iters']} iterations of {budget['batch_size']} images "
            f"{size} from scratch, AdamW {budget['lr']:g} (warm-up "
            'over the first 10 %, poly decay), weight decay 0.01, '
            f"class-balanced losses, seed {budget['seed']}")


def command(dataset_key: str, budget: dict) -> str:
    line = ('python tools/analysis_tools/leaderboard.py --datasets '
            f'{dataset_key}')
    if budget.get('paper_schedules'):
        return line + ' --paper-schedules'
    line += (f" --iters {budget['iters']} --batch-size "
             f"{budget['batch_size']} --lr {budget['lr']:g} --seed "
             f"{budget['seed']}")
    if budget.get('train_crop'):
        line += f" --train-crop {budget['train_crop']}"
    return line


def prepare_data(dataset_key: str) -> None:
    """Generate what is missing of a dataset's data (the out-of-class SynLCD
    is a split of the SynLCD data)."""
    dataset = DATASETS[dataset_key.replace('-al', '')]
    data = dataset['data']
    for done, step in dataset['generate']:
        if not osp.exists(osp.join(data, done)):
            os.makedirs(osp.dirname(data) or '.', exist_ok=True)
            run_tool([c.format(data=data) for c in step],
                     f'{data}.{osp.basename(step[0])}.log')


def leaderboard_config(config: str, dataset: dict, options: list, folder: str,
                       args) -> str:
    """The config a part trains and tests, written into ``folder``: the
    data root and split of the leaderboard, the seed, ``options``
    (``key=value``) and, unless ``--paper-schedules``, the common budget
    recipe.  Training and testing read the same file."""
    if not args.paper_schedules:
        config = budget_config(config, folder, args.train_crop)
    cfg = Config.fromfile(config)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--options', *options]).options)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = dataset['data']
    for split, loaders in (('train', ('train_dataloader', )),
                           ('test', ('val_dataloader', 'test_dataloader'))):
        if split in dataset['splits']:
            for loader in loaders:
                cfg[loader].dataset.ann_file = dataset['splits'][split]
    cfg.randomness = dict(seed=args.seed)
    if not args.paper_schedules:
        warmup = max(1, args.iters // 10)
        cfg.optim_wrapper = dict(
            type='OptimWrapper',
            optimizer=dict(
                type='AdamW',
                lr=args.lr,
                betas=(0.9, 0.999),
                weight_decay=0.01))
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
                end=args.iters)
        ]
    path = osp.join(folder, osp.basename(config))
    cfg.dump(path)
    return path


def measure_cost(name: str, config: str, args) -> dict:
    """Parameters, operation counts and speed of a method at 256 x 256,
    measured once (the same model on both datasets)."""
    folder = osp.join(args.work_dir, 'cost', name.replace(' ', '_'))
    os.makedirs(folder, exist_ok=True)
    counts, speed = osp.join(folder,
                             'counts.json'), osp.join(folder, 'speed.json')
    if not osp.exists(counts):
        run_tool([
            'tools/analysis_tools/get_flops.py', config, '--shape', '256',
            '256', '--no-mmengine', '--out', counts
        ], osp.join(folder, 'get_flops.log'))
    if not osp.exists(speed):
        run_tool([
            'tools/analysis_tools/benchmark.py', config, '--shape', '256',
            '256', '--batch',
            str(args.batch_size), '--warmup', '2', '--repeats', '5', '--out',
            speed
        ], osp.join(folder, 'benchmark.log'))
    with open(counts) as f, open(speed) as g:
        counts, speed = json.load(f), json.load(g)
    return dict(
        counts={
            k: counts[k]
            for k in ('params', 'params_inference', 'macs', 'thop_flops')
        },
        speed=dict(
            next(iter(speed['results'].values())),
            device=speed['device'],
            batch=speed['batch']))


def score(metrics: dict, key: str) -> str:
    """A metric cell: '-' where it is missing or undefined (the precision
    and F1 of a model that marks no pixel defective are NaN)."""
    value = metrics.get(key)
    if value is None or math.isnan(value):
        return '-'
    return f'{value:.2f}'


def threads_note(metrics: dict) -> str:
    """' (1 thread)' after a train time, where the threads are recorded."""
    threads = metrics.get('train_threads')
    if threads is None:
        return ''
    return f' ({threads} thread{"s" if threads > 1 else ""})'


def machine() -> str:
    import torch
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return (f'CPU, {os.cpu_count()} cores ({platform.machine()}), torch '
            f'{torch.__version__}')


def part_config(dataset_key: str, name: str, args) -> tuple:
    """The method's config for a dataset, the folder of that (dataset,
    method) part and the config it trains (written there)."""
    dataset, method = DATASETS[dataset_key], METHODS[name]
    config = method['configs'][dataset_key.replace('-al', '')]
    folder = osp.join(args.work_dir, dataset_key, setting_name(budget(args)),
                      name.replace(' ', '_'))
    os.makedirs(folder, exist_ok=True)
    options = method.get('options', {}).get(dataset_key, [])
    if not args.paper_schedules:
        options = options + budget_options(args.iters,
                                           args.batch_size) + method['balance']
    return config, folder, leaderboard_config(config, dataset, options, folder,
                                              args)


def run_part(dataset_key: str, name: str, args) -> dict:
    """Train, test and cost one method on one dataset."""
    config, folder, path = part_config(dataset_key, name, args)
    if args.retest:
        forget_test(osp.join(folder, 'run'))
    metrics = train_and_test(path, osp.join(folder, 'run'), name=name)
    return dict(
        config=config,
        trained_config=path,
        metrics=metrics,
        # Relative to the repository: the results file is committed.
        checkpoint=osp.relpath(last_checkpoint(osp.join(folder, 'run')), REPO),
        machine=machine(),
        date=datetime.date.today().isoformat(),
        **measure_cost(name, path, args))


def run_sweep(run: dict, args) -> None:
    """The misalignment sweep of every trained paired model of a SynOCD
    run (``run['parts']``), stored as ``run['sweep']`` (csv text)."""
    names = [n for n in METHODS if METHODS[n]['paired'] and n in run['parts']]
    if not names:
        print('no trained paired SynOCD model to sweep')
        return
    setting = setting_name(run['budget'])
    out = osp.join(args.work_dir, 'synocd', setting, 'sweep')
    os.makedirs(out, exist_ok=True)
    models = []
    for n in names:
        models += [
            run['parts'][n]['trained_config'], run['parts'][n]['checkpoint']
        ]
    # Scenes of the held-out test batch only: the sweep re-renders the
    # random split's test scenes, about half of them from batches the models
    # trained on.
    names_arg = [n.replace(' ', '_') for n in names]
    run_tool([
        'tools/analysis_tools/misalignment_sweep.py', *models, '--names',
        *names_arg, '--data-root', DATASETS['synocd']['data'], '--out', out,
        '--axes-only', '--scenes', DATASETS['synocd']['splits']['test']
    ], osp.join(out, 'sweep.log'))
    os.makedirs(osp.join(args.out_root, IMAGES), exist_ok=True)
    shutil.copy(
        osp.join(out, 'sweep.png'),
        osp.join(args.out_root, IMAGES,
                 f'leaderboard_synocd_sweep_{setting}.png'))
    with open(osp.join(out, 'sweep.csv')) as f:
        run['sweep'] = f.read()


def load_results(path: str) -> dict:
    if not osp.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def save_results(results: dict, path: str) -> None:
    write_file(path,
               (json.dumps(results, indent=1, sort_keys=True) + '\n').encode())


def paper_count(name: str, counts: dict) -> str:
    spec = METHODS[name]['paper_count']
    if spec is None:
        return '-'
    key, factor, _ = spec
    return f'{counts[key] * factor / 1e9:.2f}'


def accuracy_columns(parts: dict) -> list:
    """Per-class IoU columns (from the metrics present), then the rest."""
    keys = []
    for part in parts.values():
        for key in part['metrics']:
            if key.startswith('IoU.') and key not in keys:
                keys.append(key)
    return [(k, f'IoU {k[4:]}') for k in keys
            ] + [(k, t) for k, t in ACCURACY if any(k in p['metrics']
                                                    for p in parts.values())]


def table(dataset_key: str, run: dict) -> str:
    """The markdown table of one dataset and budget."""
    parts = run['parts']
    accuracy = accuracy_columns(parts)
    machines = sorted({p['machine'] for p in parts.values()})
    dates = sorted({p['date'] for p in parts.values()})
    header = ['method', 'input'] + [t for _, t in accuracy] + [
        'params (M)', 'GMACs (conv+linear)', "paper's count (G)", 'train s/it',
        'infer img/s', 'peak MB', 'train time'
    ]
    lines = [
        f'### {DATASETS[dataset_key]["title"]}', '',
        f'Budget: {describe(run["budget"])}.  Machine: '
        f'{"; ".join(machines)}; measured {", ".join(dates)}.  Regenerate: '
        f'`{command(dataset_key, run["budget"])}`.', '',
        '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)
    ]
    for name in METHODS:
        if name not in parts:
            continue
        p = parts[name]
        m, c, s = p['metrics'], p['counts'], p['speed']
        cells = [
            name, 'sample + template' if METHODS[name]['paired'] else 'sample'
        ]
        cells += [score(m, k) for k, _ in accuracy]
        cells += [
            f'{c["params"] / 1e6:.2f}', f'{c["macs"] / 1e9:.2f}',
            paper_count(name, c), f'{s["train_s_per_iter"]:.2f}',
            f'{s["infer_img_per_s"]:.1f}', f'{s["peak_mem_mb"]:.0f}',
            f'{m["train_seconds"] / 60:.1f} min' + threads_note(m)
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    missing = [n for n in METHODS if n not in parts]
    if missing:
        lines += ['', f'Not measured yet: {", ".join(missing)}.']
    conventions = '; '.join(f'{n}: {METHODS[n]["paper_count"][2]}'
                            for n in METHODS if METHODS[n]['paper_count'])
    lines += [
        '', f"Paper's count: {conventions}; the others report parameters "
        'only.  Speed: training step at the batch of the budget and '
        'batched inference at 256 x 256 (`benchmark.py`), peak memory of '
        'that process (CPU: resident set), measured with nothing else '
        'running (`--cost-only`).  Train time: wall time of `tools/train.py` '
        'with its torch threads in brackets where recorded (parts trained '
        'side by side get one core each).  -: undefined (a model that '
        'marks no pixel defective has no precision or F1).  Pixel AP and '
        'best F1 rank the per-pixel defect probability over the test set '
        '(average precision; pooled F1 at the best threshold): they tell '
        'a model that ranks defects right but stays under the arg-max\'s '
        '0.5 from one that finds nothing.'
    ]
    if 'sweep' in run:
        image = (f'images/leaderboard_synocd_sweep_'
                 f'{setting_name(run["budget"])}.png')
        lines += [
            '', 'Misalignment sweep of the paired models against the pose of '
            'the sample (`--sweep`; t: translation, r: rotation).  Pooled '
            'defect IoU (%):', '',
            sweep_table(run['sweep'], 'defect.IoU'), '',
            'Pixel AP of the defect probability (%):', '',
            sweep_table(run['sweep'],
                        'defect.AP_pixel'), '', f'![SynOCD sweep]({image})'
        ]
    return '\n'.join(lines)


def sweep_table(csv_text: str, metric: str) -> str:
    """One row per model, one column per pose of ``misalignment_sweep.py``'s
    csv: the control, then translation (rotation 0), then rotation
    (translation 0), then any combined pose."""
    rows = list(csv.DictReader(io.StringIO(csv_text)))

    def order(pose):
        translation, rotation = pose
        group = (0 if pose == (0, 0) else
                 1 if rotation == 0 else 2 if translation == 0 else 3)
        return group, pose

    poses = sorted({(int(r['translation']), int(r['rotation']))
                    for r in rows},
                   key=order)

    def title(pose):
        if pose == (0, 0):
            return 'control'
        return ', '.join(f'{axis} {value}{unit}'
                         for axis, value, unit in (('t', pose[0], ' px'),
                                                   ('r', pose[1], ' deg'))
                         if value)

    value = {
        (r['model'], int(r['translation']), int(r['rotation'])):
        float(r[metric])
        for r in rows
    }
    lines = [
        '| model | ' + ' | '.join(title(p) for p in poses) + ' |',
        '|' + '---|' * (len(poses) + 1)
    ]
    for model in dict.fromkeys(r['model'] for r in rows):
        lines.append(f'| {model.replace("_", " ")} | ' +
                     ' | '.join(f'{value[(model, *p)]:.2f}'
                                for p in poses) + ' |')
    return '\n'.join(lines)


def plot(dataset_key: str, run: dict, root: str) -> str:
    """Defect IoU against multiply-adds and against training time."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    parts = run['parts']
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (label,
             value) in zip(axes, (('GMACs at 256 x 256 (conv+linear)',
                                   lambda p: p['counts']['macs'] / 1e9),
                                  ('training s/it (256 x 256)',
                                   lambda p: p['speed']['train_s_per_iter']))):
        for n in METHODS:
            if n not in parts:
                continue
            x, y = value(parts[n]), parts[n]['metrics'].get('defect.IoU', 0)
            ax.scatter(x, y, marker='o' if METHODS[n]['paired'] else 's', s=40)
            ax.annotate(n, (x, y), textcoords='offset points', xytext=(4, 4))
        ax.set_xlabel(label)
        ax.set_ylabel('defect IoU (%)')
        ax.grid(alpha=0.3)
    fig.suptitle(f'{DATASETS[dataset_key]["name"]}: accuracy against cost '
                 '(circles: sample + template; squares: sample only)')
    fig.tight_layout()
    os.makedirs(osp.join(root, IMAGES), exist_ok=True)
    path = osp.join(
        root, IMAGES,
        f'leaderboard_{dataset_key}_{setting_name(run["budget"])}.png')
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main_run(results: dict, dataset_key: str) -> dict:
    """The run of a dataset with the most measured methods."""
    runs = list(results.get(dataset_key, {}).values())
    return max(runs, key=lambda r: len(r['parts'])) if runs else None


def model_zoo(results: dict) -> str:
    """The README's model-zoo table."""
    lines = [
        '| method | paper | data | config | defect IoU | pixel AP | mIoU | '
        'image AP | params (M) | GMACs | train s/it | infer img/s |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for dataset_key in DATASETS:
        run = main_run(results, dataset_key)
        for name in METHODS if run else ():
            if name not in run['parts']:
                continue
            p = run['parts'][name]
            m = p['metrics']
            collection = METHODS[name]['collection']
            paper = collection if collection != 'Baselines' else 'baseline'
            lines.append(
                f'| {name} | {paper} | {DATASETS[dataset_key]["name"]} | '
                f'[{osp.basename(p["config"])}]({p["config"]}) | '
                f'{m["defect.IoU"]:.2f} | {score(m, "defect.AP_pixel")} | '
                f'{m["mIoU"]:.2f} | {score(m, "image/AP")} | '
                f'{p["counts"]["params"] / 1e6:.2f} | '
                f'{p["counts"]["macs"] / 1e9:.2f} | '
                f'{p["speed"]["train_s_per_iter"]:.2f} | '
                f'{p["speed"]["infer_img_per_s"]:.1f} |')
    lines += [
        '', 'Measured by `tools/analysis_tools/leaderboard.py` with one '
        'budget for every method (budget, machine, every metric and the '
        'commands: [docs/leaderboard.md](docs/leaderboard.md)).  At a CPU '
        "budget the ranking, not the papers' absolute numbers, is what can "
        'carry over.  GMACs: conv+linear multiply-adds at 256 x 256.'
    ]
    return '\n'.join(lines)


def step_against_macs(results: dict) -> str:
    """Each method's training step against what its multiply-adds predict,
    both relative to SegFormer-B0 (docs/benchmarks.md)."""
    costs = {}
    for dataset_key in DATASETS:
        for run in results.get(dataset_key, {}).values():
            for name, part in run['parts'].items():
                costs.setdefault(name, part)
    base = costs.get('SegFormer-B0')
    if base is None:
        return 'SegFormer-B0 not measured yet.'
    lines = [
        '| method | GMACs | MAC ratio | train s/it | step ratio | step / MAC '
        'ratio |', '|---|---|---|---|---|---|'
    ]
    for name in METHODS:
        if name not in costs:
            continue
        macs, seconds = (costs[name]['counts']['macs'],
                         costs[name]['speed']['train_s_per_iter'])
        mac_ratio = macs / base['counts']['macs']
        step_ratio = seconds / base['speed']['train_s_per_iter']
        flag = ' (> 1.5: profiled below)' if step_ratio / mac_ratio > 1.5 \
            else ''
        lines.append(f'| {name} | {macs / 1e9:.2f} | {mac_ratio:.2f} | '
                     f'{seconds:.2f} | {step_ratio:.2f} | '
                     f'{step_ratio / mac_ratio:.2f}{flag} |')
    lines += [
        '', f'From the leaderboard\'s cost measurements ({base["machine"]}; '
        f'batch {base["speed"]["batch"]} at 256 x 256, training step with '
        'backward and optimiser); conv+linear multiply-adds.'
    ]
    return '\n'.join(lines)


def results_and_models(collection: str, results: dict) -> str:
    """mmseg's "Results and models" table of one collection."""
    folder = COLLECTIONS[collection]['folder']
    lines = [
        '| Method | Backbone | Data | Crop Size | Lr schd | Mem (MB) | '
        'Inf time (fps) | Device | mIoU | defect IoU | config | download |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for dataset_key in DATASETS:
        run = main_run(results, dataset_key)
        if run is None:
            continue
        schedule = run['budget'].get('iters', 'paper')
        crop = run['budget'].get('train_crop', 256)
        for name, method in METHODS.items():
            if method['collection'] != collection or name not in run['parts']:
                continue
            p = run['parts'][name]
            m, s = p['metrics'], p['speed']
            lines.append(
                f'| {name} | {method["backbone"]} | '
                f'{DATASETS[dataset_key]["name"]} | {crop}x{crop} | '
                f'{schedule} | '
                f'{s["peak_mem_mb"]:.0f} | {s["infer_img_per_s"]:.1f} | '
                f'{s["device"]} | {m["mIoU"]:.2f} | {m["defect.IoU"]:.2f} | '
                f'[config]({osp.relpath(p["config"], folder)}) | '
                'trained locally |')
    lines += [
        '', 'From `tools/analysis_tools/leaderboard.py`: one budget for '
        'every method ([docs/leaderboard.md](../../docs/leaderboard.md) '
        "gives it with the commands); no weights are hosted.  The paper's "
        'own results are in the tables of this README.'
    ]
    return '\n'.join(lines)


def metafile(collection: str, results: dict) -> dict:
    """A metafile in mmseg's model-index format: the collection and every
    leaderboard config of its methods, with results where measured."""
    info = COLLECTIONS[collection]
    models, datasets = [], set()
    for name, method in METHODS.items():
        if method['collection'] != collection:
            continue
        for dataset_key, config in method['configs'].items():
            dataset_name = DATASETS[dataset_key]['name']
            datasets.add(dataset_name)
            metadata = {
                'Training Data': dataset_name,
                'Architecture': [method['backbone'], name]
            }
            model = {
                'Name': osp.splitext(osp.basename(config))[0],
                'In Collection': collection,
                'Config': config,
                'Metadata': metadata,
                'Results': []
            }
            run = main_run(results, dataset_key)
            if run is not None and name in run['parts']:
                p = run['parts'][name]
                s = p['speed']
                metadata.update({
                    'Batch Size':
                    run['budget'].get('batch_size'),
                    'Training Resources':
                    p['machine'],
                    'Memory (GB)':
                    round(s['peak_mem_mb'] / 1024, 2),
                    'inference time (ms/im)': [{
                        'value':
                        round(1000 / s['infer_img_per_s'], 2),
                        'hardware':
                        s['device'],
                        'backend':
                        'PyTorch',
                        'batch size':
                        s['batch'],
                        'mode':
                        'FP32',
                        'resolution':
                        '(256,256)'
                    }]
                })
                model['Results'].append({
                    'Task': 'Semantic Segmentation',
                    'Dataset': dataset_name,
                    'Metrics': {
                        'mIoU': p['metrics']['mIoU'],
                        'defect IoU': p['metrics']['defect.IoU']
                    }
                })
            models.append(model)
    paper = {'Title': info['title']}
    if 'url' in info:
        paper['URL'] = info['url']
    return {
        'Collections': [{
            'Name': collection,
            'License': 'Apache License 2.0',
            'Metadata': {
                'Training Data': sorted(datasets)
            },
            'Paper': paper,
            'README': f'{info["folder"]}/README.md',
            'Frameworks': ['PyTorch']
        }],
        'Models':
        models
    }


def write_yaml(path: str, content: dict) -> None:
    write_file(
        path,
        yaml.safe_dump(content, sort_keys=False, allow_unicode=True).encode())


def report(results: dict, root: str) -> None:
    """Every generated document from the stored results, under ``root``."""
    sections = []
    for dataset_key in DATASETS:
        for run in results.get(dataset_key, {}).values():
            image = plot(dataset_key, run, root)
            sections.append(
                f'{table(dataset_key, run)}\n\n![{dataset_key}: accuracy '
                'against cost]'
                f'({osp.relpath(image, osp.join(root, "docs"))})')
    write_marked_block(
        osp.join(root, REPORT), 'leaderboard', '\n\n'.join(sections))
    write_marked_block(
        osp.join(root, 'README.md'), 'model-zoo', model_zoo(results))
    write_marked_block(
        osp.join(root, 'docs', 'benchmarks.md'), 'step-against-macs',
        step_against_macs(results))
    imports = []
    for collection, info in COLLECTIONS.items():
        os.makedirs(osp.join(root, info['folder']), exist_ok=True)
        write_marked_block(
            osp.join(root, info['folder'], 'README.md'), 'results-and-models',
            results_and_models(collection, results))
        path = osp.join(info['folder'], 'metafile.yaml')
        write_yaml(osp.join(root, path), metafile(collection, results))
        imports.append(path)
    write_yaml(osp.join(root, 'model-index.yml'), {'Import': imports})


def main():
    args = parse_args()
    os.chdir(REPO)
    results = load_results(args.results)
    if args.cost_only:
        for name in args.methods:
            measure_cost(name,
                         part_config(args.datasets[0], name, args)[2], args)
        return
    if not args.report_only:
        this = budget(args)
        for dataset_key in args.datasets:
            prepare_data(dataset_key)
            run = results.setdefault(dataset_key, {}).setdefault(
                setting_name(this), dict(budget=this, parts={}))
            for name in args.methods:
                run['parts'][name] = run_part(dataset_key, name, args)
                save_results(results, args.results)  # after every part
            if args.sweep and dataset_key == 'synocd':
                run_sweep(run, args)
                save_results(results, args.results)
    report(results, args.out_root)
    print(open(osp.join(args.out_root, REPORT)).read())


if __name__ == '__main__':
    main()

"""The leaderboard's documents, from its stored results only.

Results (``docs/leaderboard.json``): data set key -> setting name (of the
budget, :func:`setting_name`) -> ``dict(budget, parts, sweep)``, one part
per method.  :func:`report` writes from them the tables of
``docs/leaderboard.md`` with their plots, the README's model zoo, the
step-against-MACs table of ``docs/benchmarks.md``, each collection's
"Results and models" table and metafile (mmseg's model-index format) and
``model-index.yml``.  Tables are written between ``<!-- name:start -->``
and ``<!-- name:end -->`` markers (:func:`write_marked_block`), so the text
around them is kept.
"""
import csv
import io
import json
import math
import os
import os.path as osp

import yaml
from board import Board

from mmdefect.utils import write_file

SCRIPT = 'tools/benchmarks/leaderboard.py'
GPU_SCRIPT = 'tools/benchmarks/gpu_board.sh'
RESULTS = 'docs/leaderboard.json'
REPORT = 'docs/leaderboard.md'
IMAGES = 'docs/images'

# How a column reads its metric: as stored, at a defect probability of 0.5,
# or at the operating point calibrated on the validation split.
STORED, HALF, CALIBRATED = 'stored', 'at 0.5', 'calibrated'
# (results key, column title, reading) of the accuracy part of a table;
# per-class IoU columns come first, from the metrics present.  A table has
# the columns that some of its parts have.
ACCURACY = (
    ('mIoU', 'mIoU', STORED),
    ('defect.Precision', 'Pre', HALF),
    ('defect.Recall', 'Rec', HALF),
    ('defect.F1', 'F1', HALF),
    ('defect.F1', 'F1 cal.', CALIBRATED),
    ('defect.IoU_per_image', 'IoU per image', STORED),
    ('defect.AP_pixel', 'pixel AP', STORED),
    ('defect.F1_max_pixel', 'best F1', STORED),
    ('defect.AUPRO', 'AUPRO', STORED),
    ('image/AP', 'image AP', STORED),
    ('image/AUROC', 'image AUROC', STORED),
    ('image/pass_rate_no_escape', 'pass rate (no escape)', STORED),
    ('good_only/false_call_rate', 'false calls % (good-only 5 %)', STORED),
)
# The threshold tools/calibrate.py chose (budget_runs puts it into the
# metrics of a calibrated part).
PIXEL_THRESHOLD = 'calibration/pixel_threshold'
GPU = 'gpu'  # the budget's board of gpu_board.py's runs


def setting_name(budget: dict) -> str:
    """The name of a stored budget; parts merge into one table only within
    one."""
    if budget.get('paper_schedules'):
        return 'paper-schedules'
    # A fixed order: a budget read back from the (key-sorted) results file
    # names the same setting as the one that was run.
    parts = [GPU] if on_gpu(budget) else []
    for key, short in (('iters', 'iters'), ('batch_size', 'batch'),
                       ('lr', 'lr'), ('seed', 'seed'), ('train_crop', 'crop')):
        if key in budget:
            value = budget[key]
            parts.append(f'{short}{value:g}'
                         if isinstance(value, float) else f'{short}{value}')
    return '_'.join(parts)


def on_gpu(budget: dict) -> bool:
    """Whether a stored budget is a run of the GPU board (``gpu_board.py``),
    which is kept beside the CPU board and not mixed with it."""
    return budget.get('board') == GPU


def describe(budget: dict) -> str:
    if budget.get('paper_schedules'):
        return "each config's own (paper) schedule, batch and loss"
    crop = budget.get('train_crop')
    size = (f'on {crop} x {crop} crops that hold some defect (tested on the '
            'whole 256 x 256 images)' if crop else 'at 256 x 256')
    lr = f"AdamW {budget['lr']:g}"
    scale = ''
    if on_gpu(budget):
        reference = budget['reference']  # the CPU board's budget
        lr += (f" = {reference['lr']:g} x {budget['batch_size']} / "
               f"{reference['batch_size']} (linear scaling rule)")
        factor = budget['iters'] * budget['batch_size'] / (
            reference['iters'] * reference['batch_size'])
        scale = (f" ({factor:.1f} x the images of the CPU board's "
                 f"{reference['iters']} iterations of "
                 f"{reference['batch_size']})")
    text = (f"{budget['iters']} iterations of {budget['batch_size']} images "
            f'{size}{scale} from scratch, {lr} (warm-up over the first 10 %, '
            'poly decay), weight decay 0.01, class-balanced losses, seed '
            f"{budget['seed']}")
    if on_gpu(budget):
        text += (f"; {budget['side_by_side']} parts (every method on every "
                 'data set of the run) trained side by side on one GPU')
    return text


def command(dataset_key: str, budget: dict) -> str:
    """The command line that trains a data set's parts at ``budget``."""
    if on_gpu(budget):
        line = (f'OUT=out WHEELS=.gpu/whl bash {GPU_SCRIPT} --datasets '
                f"{dataset_key} --batch {dataset_key}={budget['batch_size']} "
                f"--iters {dataset_key}={budget['iters']} --seed "
                f"{budget['seed']}")
        if budget.get('train_crop'):
            line += f" --train-crop {dataset_key}={budget['train_crop']}"
        return line
    line = f'python {SCRIPT} --datasets {dataset_key}'
    if budget.get('paper_schedules'):
        return line + ' --paper-schedules'
    line += (f" --iters {budget['iters']} --batch-size "
             f"{budget['batch_size']} --lr {budget['lr']:g} --seed "
             f"{budget['seed']}")
    if budget.get('train_crop'):
        line += f" --train-crop {budget['train_crop']}"
    return line


def score(metrics: dict, key: str, reading: str = STORED) -> str:
    """A metric cell: '-' where it is missing or undefined (the precision
    and F1 of a model that marks no pixel defective are NaN)."""
    return number(read(metrics, key, reading))


def number(value, digits: int = 2) -> str:
    """A cell: '-' for a missing or undefined (NaN) value."""
    if value is None or math.isnan(value):
        return '-'
    return f'{value:.{digits}f}'


def read(metrics: dict, key: str, reading: str = STORED):
    """A metric as a column reads it (None where the part lacks it): at 0.5
    the ``@0.5`` metric, or the metric itself for a part tested before the
    test reported both (it decided at 0.5); calibrated only for a part
    whose pixel threshold was calibrated."""
    if reading == HALF:
        return metrics.get(f'{key}@0.5', metrics.get(key))
    if reading == CALIBRATED and PIXEL_THRESHOLD not in metrics:
        return None
    return metrics.get(key)


def threads_note(metrics: dict) -> str:
    """' (1 thread)' after a train time, where the threads are recorded."""
    threads = metrics.get('train_threads')
    if threads is None:
        return ''
    return f' ({threads} thread{"s" if threads > 1 else ""})'


def load_results(path: str) -> dict:
    """A results file (the board's or the claims'); empty when there is
    none yet, a ValueError naming the file when it is not JSON."""
    if not osp.exists(path):
        return {}
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as error:
        raise ValueError(f'{path} is not a results file: {error}') from None


def save_results(results: dict, path: str) -> None:
    write_file(path,
               (json.dumps(results, indent=1, sort_keys=True) + '\n').encode())


def store_run_entry(path: str, dataset_key: str, budget: dict, key: str,
                    value) -> dict:
    """Set ``parts/<key>`` (``key`` a method) or ``<key>`` (e.g. ``sweep``)
    of the run of ``budget`` in the results file as it is on disk now, and
    return the merged results: boards run side by side (one per data set,
    say) each add their own parts without undoing the other's."""
    results = load_results(path)
    run = results.setdefault(dataset_key, {}).setdefault(
        setting_name(budget), dict(budget=budget, parts={}))
    if key == 'sweep':
        run['sweep'] = value
    else:
        run['parts'][key] = value
    save_results(results, path)
    return results


def paper_count(board: Board, name: str, counts: dict) -> str:
    spec = board.methods[name].paper_count
    if spec is None:
        return '-'
    return f'{counts[spec.key] * spec.factor / 1e9:.2f}'


def accuracy_columns(parts: dict) -> list:
    """``(key, title, reading)`` of the per-class IoU columns (from the
    metrics present; the defect class's at 0.5, then calibrated), then of
    the rest, each where some part has it."""
    metrics = [p['metrics'] for p in parts.values()]
    columns = []
    for key in dict.fromkeys(
            k for m in metrics for k in m if k.startswith('IoU.')):
        if key == 'IoU.defect':
            columns += [('defect.IoU', 'IoU defect', HALF),
                        ('defect.IoU', 'IoU defect cal.', CALIBRATED)]
        else:
            columns.append((key, f'IoU {key[4:]}', STORED))
    columns += ACCURACY
    return [(key, title, reading) for key, title, reading in columns if any(
        read(m, key, reading) is not None for m in metrics)]


def table(board: Board, dataset_key: str, run: dict) -> str:
    """The markdown table of one dataset and budget."""
    parts = run['parts']
    methods = board.methods
    accuracy = accuracy_columns(parts)
    gpu = on_gpu(run['budget'])
    machines = sorted({p['machine'] for p in parts.values()})
    dates = sorted({p['date'] for p in parts.values()})
    header = ['method', 'input'] + [t for _, t, _ in accuracy] + (
        GPU_COST_COLUMNS if gpu else CPU_COST_COLUMNS)
    lines = [
        f'### {board.datasets[dataset_key].title}'
        f'{" (GPU board)" if gpu else ""}', '',
        f'Budget: {describe(run["budget"])}.  Machine: '
        f'{"; ".join(machines)}; measured {", ".join(dates)}.  Regenerate: '
        f'`{command(dataset_key, run["budget"])}`.', '',
        '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)
    ]
    for name in methods:
        if name not in parts:
            continue
        p = parts[name]
        cells = [
            name, 'sample + template' if methods[name].paired else 'sample'
        ]
        cells += [
            score(p['metrics'], key, reading) for key, _, reading in accuracy
        ]
        cells += gpu_costs(p) if gpu else cpu_costs(board, name, p)
        lines.append('| ' + ' | '.join(cells) + ' |')
    unfinished = run.get('unfinished', {})
    missing = [n for n in methods if n not in parts and n not in unfinished]
    if unfinished:
        lines += [
            '', 'Not finished within the time budget: ' +
            ', '.join(f'{n} ({why})' for n, why in unfinished.items()) + '.'
        ]
    if missing:
        lines += ['', f'Not measured yet: {", ".join(missing)}.']
    lines += ['', (GPU_LEGEND if gpu else cpu_legend(board)) + COMMON_LEGEND]
    if any(reading == CALIBRATED for _, _, reading in accuracy):
        lines[-1] += CALIBRATION_LEGEND
    if 'sweep' in run:
        image = osp.relpath(sweep_image(dataset_key, run['budget']), 'docs')
        lines += [
            '', 'Misalignment sweep of the paired models against the pose of '
            'the sample (`--sweep`; t: translation, r: rotation).  Pooled '
            'defect IoU (%):', '',
            sweep_table(run['sweep'], 'defect.IoU'), '',
            'Pixel AP of the defect probability (%):', '',
            sweep_table(run['sweep'], 'defect.AP_pixel'), '',
            f'![{board.datasets[dataset_key].name} sweep]({image})'
        ]
    return '\n'.join(lines)


CPU_COST_COLUMNS = [
    'params (M)', 'GMACs (conv+linear)', "paper's count (G)", 'train s/it',
    'infer img/s', 'peak MB', 'train time'
]
GPU_COST_COLUMNS = [
    'train img/s (side by side)', 'train img/s (alone)', 'infer img/s',
    'GPU MB (training)', 'train time'
]


def cpu_costs(board: Board, name: str, part: dict) -> list:
    """The cost cells of a CPU board's part (``leaderboard.py``'s
    ``get_flops.py`` counts and ``benchmark.py`` speed)."""
    c, s, m = part['counts'], part['speed'], part['metrics']
    return [
        f'{c["params"] / 1e6:.2f}', f'{c["macs"] / 1e9:.2f}',
        paper_count(board, name, c), f'{s["train_s_per_iter"]:.2f}',
        f'{s["infer_img_per_s"]:.1f}', f'{s["peak_mem_mb"]:.0f}',
        f'{m["train_seconds"] / 60:.1f} min' + threads_note(m)
    ]


def gpu_costs(part: dict) -> list:
    """The cost cells of a GPU board's part (``gpu_board.py``)."""
    s, m = part['speed'], part['metrics']
    return [
        number(s.get('train_img_per_s'), 0),
        number(s.get('alone_train_img_per_s'), 0),
        number(s.get('infer_img_per_s'), 0),
        number(s.get('train_peak_mem_mb'), 0),
        f'{m["train_seconds"] / 60:.1f} min'
    ]


def cpu_legend(board: Board) -> str:
    conventions = '; '.join(f'{n}: {m.paper_count.label}'
                            for n, m in board.methods.items() if m.paper_count)
    return (
        f"Paper's count: {conventions}; the others report parameters "
        'only.  Speed: training step at the batch of the budget and '
        'batched inference at 256 x 256 (`benchmark.py`), peak memory of '
        'that process (CPU: resident set), measured with nothing else '
        'running (`--cost-only`).  Train time: wall time of `tools/train.py` '
        'with its torch threads in brackets where recorded (parts trained '
        'side by side get one core each).')


GPU_LEGEND = (
    'Train img/s (side by side): training images per second of the part, '
    "from mmengine's logged iteration time (data loading included, the "
    'first log line left out) while every part of the run trained on the '
    'same GPU; alone: the training step of the method by itself at the '
    "SynLCD part's batch on 256 x 256 inputs (`benchmark.py`'s "
    'measurement); infer img/s: batched inference by itself at 256 x 256, '
    'that batch.  GPU MB: peak memory allocated by the training process.  '
    'Train time: wall time of `tools/train.py` (start-up included).')
COMMON_LEGEND = (
    '  -: missing or undefined (a model that marks no pixel defective has '
    'no precision or F1).  Pixel AP and best F1 rank the per-pixel defect '
    'probability over the test set (average precision; pooled F1 at the '
    'best threshold): they tell a model that ranks defects right but stays '
    "under the arg-max's 0.5 from one that finds nothing.")
CALIBRATION_LEGEND = (
    '  IoU defect, Pre, Rec and F1 count the pixels at a defect probability '
    'of 0.5; IoU defect cal. and F1 cal. at the operating point '
    '`tools/calibrate.py --rule f1_max` chose on the validation split '
    '(never the test split); IoU background and mIoU at the model\'s '
    'decision (that operating point where calibrated).  AUPRO: area under '
    'the per-region overlap curve up to 30 % false-positive rate, '
    'normalised; pass rate (no escape): share of the good test images '
    'passed at the highest image threshold that flags every defective one; '
    'false calls % (good-only 5 %): share of the good test images flagged '
    'at the image threshold `--rule fpr --target 0.05` chose from the '
    "validation split's good images alone, to compare with its 5 % "
    '([operating_points.md](operating_points.md)).')


def sweep_image(dataset_key: str, budget: dict) -> str:
    """Where the plot of a run's misalignment sweep goes."""
    return osp.join(
        IMAGES, f'leaderboard_{dataset_key}_sweep_'
        f'{setting_name(budget)}.png')


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


def plot(board: Board, dataset_key: str, run: dict, root: str) -> str:
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
        for n, method in board.methods.items():
            if n not in parts:
                continue
            x, y = value(parts[n]), parts[n]['metrics'].get('defect.IoU', 0)
            ax.scatter(x, y, marker='o' if method.paired else 's', s=40)
            ax.annotate(n, (x, y), textcoords='offset points', xytext=(4, 4))
        ax.set_xlabel(label)
        ax.set_ylabel('defect IoU (%)')
        ax.grid(alpha=0.3)
    fig.suptitle(f'{board.datasets[dataset_key].name}: accuracy against cost '
                 '(circles: sample + template; squares: sample only)')
    fig.tight_layout()
    os.makedirs(osp.join(root, IMAGES), exist_ok=True)
    path = osp.join(
        root, IMAGES,
        f'leaderboard_{dataset_key}_{setting_name(run["budget"])}.png')
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def cpu_runs(results: dict, dataset_key: str) -> list:
    """The runs of the CPU board of a data set (the GPU board's are kept
    beside them, in their own tables)."""
    return [
        run for run in results.get(dataset_key, {}).values()
        if not on_gpu(run['budget'])
    ]


def main_run(results: dict, dataset_key: str) -> dict:
    """The CPU board's run of a dataset with the most measured methods."""
    runs = cpu_runs(results, dataset_key)
    return max(runs, key=lambda r: len(r['parts'])) if runs else None


def measured(board: Board, results: dict):
    """``(dataset, run, method, part)`` of every measured method in the main
    run of each data set, in the board's order."""
    for dataset_key, dataset in board.datasets.items():
        run = main_run(results, dataset_key)
        for name, method in board.methods.items() if run else ():
            if name in run['parts']:
                yield dataset, run, method, run['parts'][name]


def model_zoo(board: Board, results: dict) -> str:
    """The README's model-zoo table."""
    lines = [
        '| method | paper | data | config | defect IoU | pixel AP | mIoU | '
        'image AP | params (M) | GMACs | train s/it | infer img/s |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for dataset, _, method, p in measured(board, results):
        m = p['metrics']
        paper = method.collection if method.collection != 'Baselines' \
            else 'baseline'
        lines.append(
            f'| {method.name} | {paper} | {dataset.name} | '
            f'[{osp.basename(p["config"])}]({p["config"]}) | '
            f'{m["defect.IoU"]:.2f} | {score(m, "defect.AP_pixel")} | '
            f'{m["mIoU"]:.2f} | {score(m, "image/AP")} | '
            f'{p["counts"]["params"] / 1e6:.2f} | '
            f'{p["counts"]["macs"] / 1e9:.2f} | '
            f'{p["speed"]["train_s_per_iter"]:.2f} | '
            f'{p["speed"]["infer_img_per_s"]:.1f} |')
    lines += [
        '', f'Measured by `{SCRIPT}` with one budget for every method '
        '(budget, machine, every metric and the commands: '
        '[docs/leaderboard.md](docs/leaderboard.md)).  At a CPU budget the '
        "ranking, not the papers' absolute numbers, is what can carry over.  "
        'GMACs: conv+linear multiply-adds at 256 x 256.'
    ]
    return '\n'.join(lines)


def step_against_macs(board: Board, results: dict) -> str:
    """Each method's training step against what its multiply-adds predict,
    both relative to SegFormer-B0 (docs/benchmarks.md)."""
    costs = {}
    for dataset_key in board.datasets:
        for run in cpu_runs(results, dataset_key):
            for name, part in run['parts'].items():
                costs.setdefault(name, part)
    base = costs.get('SegFormer-B0')
    if base is None:
        return 'SegFormer-B0 not measured yet.'
    lines = [
        '| method | GMACs | MAC ratio | train s/it | step ratio | step / MAC '
        'ratio |', '|---|---|---|---|---|---|'
    ]
    for name in board.methods:
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


def results_and_models(board: Board, collection: str, results: dict) -> str:
    """mmseg's "Results and models" table of one collection."""
    folder = board.collections[collection].folder
    lines = [
        '| Method | Backbone | Data | Crop Size | Lr schd | Mem (MB) | '
        'Inf time (fps) | Device | mIoU | defect IoU | config | download |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for dataset, run, method, p in measured(board, results):
        if method.collection != collection:
            continue
        schedule = run['budget'].get('iters', 'paper')
        crop = run['budget'].get('train_crop', 256)
        m, s = p['metrics'], p['speed']
        lines.append(
            f'| {method.name} | {method.backbone} | {dataset.name} | '
            f'{crop}x{crop} | {schedule} | '
            f'{s["peak_mem_mb"]:.0f} | {s["infer_img_per_s"]:.1f} | '
            f'{s["device"]} | {m["mIoU"]:.2f} | {m["defect.IoU"]:.2f} | '
            f'[config]({osp.relpath(p["config"], folder)}) | '
            'trained locally |')
    lines += [
        '', f'From `{SCRIPT}`: one budget for every method '
        '([docs/leaderboard.md](../../docs/leaderboard.md) gives it with the '
        "commands); no weights are hosted.  The paper's own results are in "
        'the tables of this README.'
    ]
    return '\n'.join(lines)


def metafile(board: Board, collection: str, results: dict) -> dict:
    """A metafile in mmseg's model-index format: the collection and every
    leaderboard config of its methods, with results where measured."""
    info = board.collections[collection]
    models, datasets = [], set()
    for name, method in board.methods.items():
        if method.collection != collection:
            continue
        for dataset_key, config in method.configs.items():
            dataset_name = board.datasets[dataset_key].name
            datasets.add(dataset_name)
            metadata = {
                'Training Data': dataset_name,
                'Architecture': [method.backbone, name]
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
    paper = {'Title': info.title}
    if info.url:
        paper['URL'] = info.url
    return {
        'Collections': [{
            'Name': collection,
            'License': 'Apache License 2.0',
            'Metadata': {
                'Training Data': sorted(datasets)
            },
            'Paper': paper,
            'README': f'{info.folder}/README.md',
            'Frameworks': ['PyTorch']
        }],
        'Models':
        models
    }


def write_yaml(path: str, content: dict) -> None:
    write_file(
        path,
        yaml.safe_dump(content, sort_keys=False, allow_unicode=True).encode())


def write_marked_block(path: str, marker: str, text: str) -> None:
    """Put ``text`` between ``<!-- marker:start -->`` and ``<!--
    marker:end -->`` in a markdown file (appended the first time),
    atomically."""
    start, end = f'<!-- {marker}:start -->', f'<!-- {marker}:end -->'
    content = open(path).read() if osp.exists(path) else ''
    block = f'{start}\n{text}\n{end}'
    if start in content and end in content:
        head, rest = content.split(start, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip() + '\n\n' + block + '\n'
    write_file(path, content.encode())


def report(board: Board, results: dict, root: str) -> None:
    """Every generated document from the stored results, under ``root``."""
    sections = []
    for dataset_key in board.datasets:
        for run in results.get(dataset_key, {}).values():
            section = table(board, dataset_key, run)
            if not on_gpu(run['budget']):  # the GPU board counts no MACs
                image = plot(board, dataset_key, run, root)
                section += (f'\n\n![{dataset_key}: accuracy against cost]'
                            f'({osp.relpath(image, osp.join(root, "docs"))})')
            sections.append(section)
    write_marked_block(
        osp.join(root, REPORT), 'leaderboard', '\n\n'.join(sections))
    write_marked_block(
        osp.join(root, 'README.md'), 'model-zoo', model_zoo(board, results))
    write_marked_block(
        osp.join(root, 'docs', 'benchmarks.md'), 'step-against-macs',
        step_against_macs(board, results))
    imports = []
    for collection, info in board.collections.items():
        os.makedirs(osp.join(root, info.folder), exist_ok=True)
        write_marked_block(
            osp.join(root, info.folder, 'README.md'), 'results-and-models',
            results_and_models(board, collection, results))
        path = osp.join(info.folder, 'metafile.yaml')
        write_yaml(osp.join(root, path), metafile(board, collection, results))
        imports.append(path)
    write_yaml(osp.join(root, 'model-index.yml'), {'Import': imports})

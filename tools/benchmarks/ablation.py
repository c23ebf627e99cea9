"""Train and test a set of configs (a paper's ablation rows, or rivals)
with one budget; write a table of their defect metrics, and optionally the
misalignment sweep of some of them.

    python tools/benchmarks/ablation.py \\
        configs/banet/banet_r34_synocd-256_concat.py ... \\
        --names S1 S2 S3 S4 S5 --iters 500 --batch-size 4 \\
        --data-root data/synocd --work-dir work_dirs/banet_ablation \\
        --cfg-options optim_wrapper.optimizer.lr=1e-4 \\
        --sweep S2 S4 S5 --readme configs/banet/README.md \\
        --marker banet-ablation

Every config gets the budget (``budget_runs``: ``--iters``, ``--batch-size``,
``--train-crop``, ``--device``; the config's own optimiser, or with
``--lr`` the leaderboard's common recipe; ``--cfg-options`` on top), is
trained by ``tools/train.py`` and tested by ``tools/test.py`` in its own
process; finished runs are reused, so the benchmark resumes after an
interruption and can be split over processes.
The table gives, from the test split, the defect class's pooled precision /
recall / F1 / IoU at the operating point calibrated on the validation split
(``budget_runs``; IoU at 0.5 beside it), the pixel AP, the per-image IoU,
mmseg's mIoU (over the data set's classes), the
image-level AP and AUROC where the configs evaluate them and, where the
model logs it, the STM's pose error (``PoseErrorHook``), with the training
time.  ``--sweep`` runs ``misalignment_sweep.py`` on the named models
(SynOCD data).

``--columns IoU.line IoU.abpt`` adds test metrics to the table (the
per-class IoU of a multi-class dataset).

``--seeds 0 1 2`` trains every row once per seed (``<work-dir>/seed<S>/
<name>``; the seeds can be split over processes and joined by a last run
that names them all) and the table gives the mean and the sample standard
deviation over the seeds.  ``--claim 'S5>S3>S1'`` checks a paper's
ordering on ``--claim-metric`` (default: the defect IoU at the calibrated
operating point; several metrics give one verdict each), one verdict per
step (:func:`verdict`); ``'A~B'`` checks
that two rows are close (a paper claiming that, e.g., few masks come close
to full masks).  ``--summary FILE`` writes the verdicts, with the budget,
into a marked block of another document (the leaderboard's claims).

``--results docs/claims.json`` keeps every finished run's test metrics in
a file of the repository, under ``--marker``, with the budget that
produced them (configs, iterations, batch, crop, options, data root): a
later invocation with the same budget takes a stored run as finished, so
the seeds of a claim can be run in different sessions (work directories
do not outlive them) and the table and verdicts rebuilt from the file
alone.  A stored run of another budget is trained again and replaced.
"""
import argparse
import fcntl
import hashlib
import os
import os.path as osp
import statistics
import tempfile
from contextlib import contextmanager

from budget_runs import (REPO, Budget, last_checkpoint, machine, run_budgeted,
                         run_sweep, write_json)
from mmengine.config import DictAction
from report import load_results, write_marked_block

COLUMNS = (('defect.Precision', 'Pre'), ('defect.Recall', 'Rec'),
           ('defect.F1', 'F1'), ('defect.IoU', 'IoU'),
           ('defect.IoU@0.5', 'IoU at 0.5'), ('defect.AP_pixel', 'pixel AP'),
           ('defect.IoU_per_image', 'IoU per image'), ('mIoU', 'mIoU'),
           ('image/AP', 'image AP'), ('image/AUROC', 'image AUROC'),
           ('stm/theta_error_px', 'pose error (px)'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument(
        '--names', nargs='+', help='row names (default: config stems)')
    parser.add_argument('--iters', type=int, default=500)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument(
        '--lr',
        type=float,
        help="the leaderboard's common recipe at this rate (AdamW, weight "
        'decay 0.01, warm-up and poly decay over --iters) in place of '
        "each config's optimiser, so that a claim runs at the board's "
        'budget; default: the configs\' own optimisers')
    parser.add_argument('--data-root', help='data root of every loader')
    parser.add_argument(
        '--train-crop',
        type=int,
        metavar='SIZE',
        help='train on SIZE x SIZE crops that hold some defect (a CPU '
        'budget; testing stays on whole images).  Only for training sets '
        'where every defective image has its mask: a crop of an image that '
        'only has an image label may cut its defect out and keep the label')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        help='default: CUDA where available')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='extra training options (learning rate, '
        'schedule end, ...), key=value')
    parser.add_argument(
        '--sweep',
        nargs='+',
        default=[],
        metavar='NAME',
        help='models to evaluate on the misalignment sweep (with --seeds: '
        'their runs of the first seed)')
    parser.add_argument(
        '--sweep-axes-only',
        action='store_true',
        help='sweep only the settings the plot shows (8 of 20)')
    parser.add_argument(
        '--readme',
        help='markdown file to write the table '
        'into, between markers')
    parser.add_argument('--marker', default='ablation-benchmark')
    parser.add_argument(
        '--seeds',
        nargs='+',
        type=int,
        help='train every row once per seed; the table gives mean +- std')
    parser.add_argument(
        '--claim',
        nargs='+',
        default=[],
        help="a paper's claim over the rows: 'A>B>C' (each row above the "
        "next) or 'A~B' (the two close)")
    parser.add_argument(
        '--claim-metric',
        nargs='+',
        default=['defect.IoU'],
        help='metrics the claim is checked on, one verdict each (default: '
        'defect.IoU; the first is the per-seed column)')
    parser.add_argument(
        '--columns',
        nargs='+',
        default=[],
        metavar='KEY',
        help='more test metrics as columns, e.g. the per-class IoU.line '
        'IoU.abpt of a multi-class dataset')
    parser.add_argument(
        '--title', help='what the claim is, e.g. "BGNet Table 1"')
    parser.add_argument(
        '--results',
        metavar='JSON',
        help='file that keeps every run\'s test metrics under --marker, '
        'with its budget; runs stored there with this budget are not '
        'trained again')
    parser.add_argument(
        '--summary',
        help='markdown file to write the claim verdicts into (between '
        '--marker markers)')
    args = parser.parse_args(argv)
    args.names = args.names or [
        osp.splitext(osp.basename(c))[0] for c in args.configs
    ]
    if len(args.names) != len(args.configs):
        parser.error(f'{len(args.names)} names for {len(args.configs)} '
                     'configs')
    args.claims = [
        parse_claim(text, args.names, parser) for text in args.claim
    ]
    if args.summary and not args.claims:
        parser.error('--summary writes claim verdicts: give --claim')
    unknown = set(args.sweep) - set(args.names)
    if unknown:
        parser.error(f'--sweep names {sorted(unknown)} are not models')
    if args.sweep and not args.data_root:
        parser.error('--sweep needs --data-root (the SynOCD data)')
    options = argparse.ArgumentParser()
    options.add_argument('--options', nargs='+', action=DictAction)
    args.options = options.parse_args(['--options', *args.cfg_options
                                       ]).options if args.cfg_options else {}
    return args


def parse_claim(text: str, names: list, parser) -> tuple:
    """``'A>B>C'`` -> ``('>', ['A', 'B', 'C'])``; ``'A~B'`` -> ``('~',
    ['A', 'B'])``; every name must be a row."""
    relation = '~' if '~' in text else '>'
    rows = [name.strip() for name in text.split(relation)]
    if len(rows) < 2 or (relation == '~'
                         and len(rows) != 2) or ('>' in text and '~' in text):
        parser.error(f"--claim {text!r}: write 'A>B[>C...]' or 'A~B'")
    unknown = [name for name in rows if name not in names]
    if unknown:
        parser.error(f'--claim {text!r}: {unknown} are not rows '
                     f'(--names {" ".join(names)})')
    return relation, rows


def spread(values: list) -> float:
    """Sample standard deviation (0 for one value)."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def verdict(relation: str, first: dict, second: dict) -> str:
    """Whether row ``first`` is above (``'>'``) or close to (``'~'``) row
    ``second``; both map seed -> metric.

    With d the difference of the means and s the sum of the two sample
    standard deviations: ``'>'`` holds *beyond the seeds' spread* when d >
    s, is *within the spread* when |d| <= s and *reversed* when d < -s;
    the seeds where the first row is above the second (paired by seed) are
    counted beside it.  ``'~'`` holds when |d| <= s (the two cannot be told
    apart by the seeds), otherwise the first is below or above by more than
    the spread."""
    seeds = sorted(set(first) & set(second))
    a, b = [first[s] for s in seeds], [second[s] for s in seeds]
    difference = statistics.mean(a) - statistics.mean(b)
    margin = spread(a) + spread(b)
    if relation == '~':
        if abs(difference) <= margin:
            return 'holds: within the seeds\' spread'
        side = 'below' if difference < 0 else 'above'
        return f'does not hold: {side} by more than the seeds\' spread'
    above = sum(x > y for x, y in zip(a, b))
    count = f'above in {above} of {len(seeds)} seeds'
    if difference > margin:
        return f"holds beyond the seeds' spread ({count})"
    if difference < -margin:
        return f"reversed beyond the seeds' spread ({count})"
    return f"within the seeds' spread: not shown ({count})"


def summarise(runs: dict, key: str) -> dict:
    """Row -> seed -> ``key``'s value, for the runs that have it."""
    return {
        name: {
            seed: metrics[key]
            for seed, metrics in seeds.items() if key in metrics
        }
        for name, seeds in runs.items()
    }


def mean_std(values: list) -> str:
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {spread(values):.2f}'


def claim_lines(args, runs: dict) -> list:
    """One line per step of every claim and claim metric: the two rows'
    mean +- std of the metric and the verdict."""
    lines = []
    for relation, rows in args.claims:
        for key in args.claim_metric:
            values = summarise(runs, key)
            for first, second in zip(rows, rows[1:]):
                if not values[first] or not values[second]:
                    lines.append(f'* {first} {relation} {second}: no '
                                 f'{key} to compare')
                    continue
                lines.append(
                    f'* {first} {relation} {second} ({key}): '
                    f'{mean_std(list(values[first].values()))} against '
                    f'{mean_std(list(values[second].values()))}: ' +
                    verdict(relation, values[first], values[second]))
    return lines


def command(args) -> str:
    options = ' '.join(args.cfg_options)
    return (
        f'tools/benchmarks/ablation.py --iters {args.iters} '
        f'--batch-size {args.batch_size}' +
        (f' --lr {args.lr:g}' if args.lr is not None else '') +
        (f' --train-crop {args.train_crop}' if args.train_crop else '') +
        (f' --seeds {" ".join(map(str, args.seeds))}' if args.seeds else '') +
        (f' --cfg-options {options}' if options else ''))


def markdown(runs: dict, args, where: str) -> str:
    """The table of the rows' metrics (mean +- sample std over the seeds
    where there are several), headed by the command that measured them on
    ``where`` (the machine) and followed by the claims' verdicts."""
    columns = [(key, title)
               for key, title in (*COLUMNS, *((key, key)
                                              for key in args.columns))
               if any(key in metrics for seeds in runs.values()
                      for metrics in seeds.values())]
    seeded = bool(args.seeds)
    per_seed = args.claim_metric[0]
    header = '| model | ' + ' | '.join(c for _, c in columns) + (
        f' | {per_seed} per seed' if seeded else '') + \
        ' | train time |'
    lines = [
        f'Measured with `{command(args)}` ({where}; data: '
        f'`{args.data_root}`, test split; precision, recall, F1 and IoU '
        'at the operating point calibrated on the validation split; mIoU '
        "is mmseg's, over the data set's classes with the background" +
        (f'; mean ± sample std over {len(args.seeds)} seeds'
         if seeded and len(args.seeds) > 1 else '') + ').', '', header,
        '|' + '---|' * (len(columns) + 2 + seeded)
    ]
    for name, seeds in runs.items():
        cells = []
        for key, _ in columns:
            values = [m[key] for m in seeds.values() if key in m]
            cells.append(mean_std(values) if values else '-')
        if seeded:
            cells.append(' / '.join(
                f'{m[per_seed]:.2f}' if per_seed in m else '-'
                for m in seeds.values()))
        minutes = statistics.mean(m['train_seconds']
                                  for m in seeds.values()) / 60
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {minutes:.1f} min |')
    if args.claims:
        lines += ['', *claim_lines(args, runs)]
    return '\n'.join(lines)


def summary(runs: dict, args, where: str) -> str:
    """The claims' verdicts for another document, with what measured them."""
    title = args.title or ', '.join(
        relation.join(rows) for relation, rows in args.claims)
    link = osp.relpath(args.readme, osp.dirname(osp.abspath(
        args.summary))) if args.readme else ''
    where_from = f' (table: [{args.readme}]({link}))' if args.readme else ''
    return '\n'.join([
        f'**{title}**{where_from}, measured with `{command(args)}` on '
        f'`{args.data_root}` ({where}):', '', *claim_lines(args, runs)
    ])


def run_budget(args, config: str) -> dict:
    """What decides a run's result besides its seed: the config (relative
    to the repository), the budget, the options and the data."""
    budget = dict(
        config=osp.relpath(osp.abspath(config), REPO),
        iters=args.iters,
        batch_size=args.batch_size,
        train_crop=args.train_crop,
        cfg_options=list(args.cfg_options),
        data_root=args.data_root)
    if args.lr is not None:  # runs stored before --lr existed had none
        budget['lr'] = args.lr
    return budget


def seed_key(seed) -> str:
    """A seed as results files name it ('config': the config's own)."""
    return 'config' if seed is None else str(seed)


@contextmanager
def locked(path: str):
    """Hold an exclusive lock for ``path`` (processes that share the seeds
    of one claim add their runs to one results file).  The lock file lives
    in the temporary folder, not beside the results."""
    digest = hashlib.sha1(osp.abspath(path).encode()).hexdigest()[:16]
    lock = osp.join(tempfile.gettempdir(), f'mmdefect-results-{digest}.lock')
    with open(lock, 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stored_run(results: dict, marker: str, name: str, seed,
               budget: dict) -> dict:
    """The stored run (``metrics`` and the ``machine`` it was measured on)
    of row ``name`` at ``seed`` when it comes from ``budget``; None
    otherwise.  ``results``: marker -> row name -> seed -> ``{'budget',
    'machine', 'metrics'}``."""
    run = results.get(marker, {}).get(name, {}).get(seed_key(seed))
    if run is None or run.get('budget') != budget:
        return None
    return run


def store_run(path: str, marker: str, name: str, seed, budget: dict,
              where: str, metrics: dict) -> None:
    """Add (or replace) one run in the results file, keeping every other
    run (a parallel process's included); written atomically."""
    with locked(path):
        results = load_results(path)
        row = results.setdefault(marker, {}).setdefault(name, {})
        row[seed_key(seed)] = dict(
            budget=budget, machine=where, metrics=metrics)
        write_json(path, results)


def seed_folder(work_dir: str, seed) -> str:
    """Where the runs of one seed live (``work_dir`` itself for the
    configs' own seed)."""
    return work_dir if seed is None else osp.join(work_dir, f'seed{seed}')


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    options = dict(args.options)
    if args.data_root:
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            options[f'{loader}.dataset.data_root'] = args.data_root
    runs = {name: {} for name in args.names}  # name -> seed -> metrics
    configs = {}
    stored = load_results(args.results) if args.results else {}
    sweep_seed = (args.seeds or [None])[0]
    here = machine()
    machines = set()  # where the runs were measured
    for seed in args.seeds or [None]:
        budget = Budget(
            iters=args.iters,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=seed,
            train_crop=args.train_crop,
            device=args.device)
        folder = seed_folder(args.work_dir, seed)
        for name, config in zip(args.names, args.configs):
            given = run_budget(args, config)
            # The sweep needs the checkpoint of its seed's run.
            needs_weights = name in args.sweep and seed == sweep_seed
            run = None if needs_weights else stored_run(
                stored, args.marker, name, seed, given)
            if run is not None:
                runs[name][seed] = run['metrics']
                machines.add(run['machine'])
                continue
            configs[name, seed], runs[name][seed] = run_budgeted(
                config, folder, osp.join(folder, name), budget, options, name)
            machines.add(here)
            if args.results:
                store_run(args.results, args.marker, name, seed, given, here,
                          runs[name][seed])
    # name -> seed ('config': the config's own seed) -> test metrics
    write_json(
        osp.join(args.work_dir, 'results.json'), {
            name: {
                seed_key(seed): metrics
                for seed, metrics in seeds.items()
            }
            for name, seeds in runs.items()
        })
    where = ' and '.join(sorted(machines))
    table = markdown(runs, args, where)
    print(table)
    if args.sweep:
        folder = seed_folder(args.work_dir, sweep_seed)
        out = run_sweep([(name, configs[name, sweep_seed],
                          last_checkpoint(osp.join(folder, name)))
                         for name in args.sweep], args.data_root,
                        osp.join(folder, 'sweep'), budget.resolved_device(),
                        args.sweep_axes_only)
        print(f'sweep: {out}/sweep.csv, {out}/sweep.png')
    if args.readme:
        write_marked_block(args.readme, args.marker, table)
    if args.summary:
        write_marked_block(args.summary, args.marker,
                           summary(runs, args, where))


if __name__ == '__main__':
    main()

"""One leaderboard: every method and baseline trained with one budget on the
same generated data, scored and costed side by side.

    # everything (hours on 2 CPU cores)
    python tools/benchmarks/leaderboard.py
    # one part at a time; results merge into docs/leaderboard.json
    python tools/benchmarks/leaderboard.py --datasets synocd \\
        --methods BANet BGNet
    # SynOCD (defect-holding training crops) and the misalignment sweep of
    # every trained paired model
    python tools/benchmarks/leaderboard.py --datasets synocd \\
        --iters 1000 --train-crop 128 --sweep
    # costs only (params, MACs, speed), on a quiet machine before training
    # parts side by side: speed is measured once per method and reused
    python tools/benchmarks/leaderboard.py --cost-only
    # tables, plots, model zoo and metafiles from the stored results only
    python tools/benchmarks/leaderboard.py --report-only
    # add the runs of another results file (the GPU board's, gpu_board.py)
    python tools/benchmarks/leaderboard.py --merge out/gpu_board.json
    # a GPU: every config's own (paper) schedule instead of the budget
    python tools/benchmarks/leaderboard.py --paper-schedules

No paper compares these methods on the same data; this does.  The data
sets, methods and collections are listed in ``board.yaml``.  Each (dataset,
method) part is trained from scratch with one budget (``--iters`` x
``--batch-size``, AdamW at ``--lr`` with warm-up and poly decay, ``--seed``;
the class balance of ``board.yaml`` the only per-method change;
``--train-crop`` trains on defect-holding crops and tests whole images),
calibrated on the validation split (``f1_max``), tested at that operating
point beside 0.5 (``budget_runs``) and costed once at 256 x 256
(``get_flops.py``, ``benchmark.py``).  Finished parts are reused; results
merge into ``docs/leaderboard.json``, from which ``report.py`` writes
``docs/leaderboard.md`` (where the recipe is described), the plots, the
README's model zoo, the methods' "Results and models" tables and the
metafiles.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import shutil
from dataclasses import dataclass
from typing import List, Optional

from board import Board, Dataset, load_board
from budget_runs import (REPO, Budget, last_checkpoint, machine, run_budgeted,
                         run_sweep, run_tool)
from report import (REPORT, RESULTS, load_results, report, save_results,
                    setting_name, store_run_entry, sweep_image)


@dataclass(frozen=True)
class Settings:
    """What one leaderboard run does, from its command line."""
    board: Board
    budget: Budget  # no iterations: each config's own (paper) schedule
    datasets: List[str]
    methods: List[str]
    work_dir: str
    results: str
    out_root: str
    cost_batch: int = 4  # the batch of the training-speed measurement
    sweep: bool = False
    retest: bool = False
    cost_only: bool = False
    report_only: bool = False
    merge: Optional[str] = None


def parse_args(argv=None) -> Settings:
    board = load_board()
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--datasets',
        nargs='+',
        default=list(board.datasets),
        choices=board.datasets)
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(board.methods),
        choices=board.methods)
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
        '--device',
        choices=['cpu', 'cuda'],
        help='where parts train, test and are costed (default: CUDA where '
        'available)')
    parser.add_argument(
        '--paper-schedules',
        action='store_true',
        help="each config's own optimiser, schedule, batch and loss (GPU)")
    parser.add_argument('--work-dir', help='default: work_dirs/leaderboard')
    parser.add_argument(
        '--sweep',
        action='store_true',
        help='run the misalignment sweep of the trained paired models on '
        'the data sets that have one (SynOCD, 8 settings) and plot it')
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
        '--merge',
        metavar='RESULTS',
        help='train nothing: add the runs of another results file (e.g. the '
        "GPU board's) to the stored results, replacing runs of the same "
        'data set and setting, and rewrite the documents')
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
    args = parser.parse_args(argv)
    if args.paper_schedules and args.train_crop:
        parser.error('--train-crop is a budget option; --paper-schedules '
                     'trains each config as it is')
    if args.merge and not osp.isfile(args.merge):
        parser.error(f'--merge {args.merge}: no such file')
    folders = {}
    for item in args.data:
        key, _, path = item.partition('=')
        if key not in board.datasets or not path:
            parser.error(f'--data {item}: expected DATASET=PATH with DATASET '
                         f'in {list(board.datasets)}')
        folders[key] = osp.abspath(path)
    if args.paper_schedules:
        budget = Budget(seed=args.seed, device=args.device)
    else:
        budget = Budget(args.iters, args.batch_size, args.lr, args.seed,
                        args.train_crop, args.device)
    # Paths given are relative to the caller's folder, defaults to the
    # repository's (the tool runs there).
    return Settings(
        board=board.with_data(folders),
        budget=budget,
        datasets=args.datasets,
        methods=args.methods,
        work_dir=osp.abspath(args.work_dir)
        if args.work_dir else 'work_dirs/leaderboard',
        results=osp.abspath(args.results) if args.results else RESULTS,
        out_root=osp.abspath(args.out_root) if args.out_root else '.',
        cost_batch=args.batch_size,
        sweep=args.sweep,
        retest=args.retest,
        cost_only=args.cost_only,
        report_only=args.report_only,
        merge=osp.abspath(args.merge) if args.merge else None)


def prepare_data(dataset: Dataset) -> None:
    """Generate what is missing of a dataset's data."""
    for step in dataset.generate:
        if not osp.exists(osp.join(dataset.data, step.done)):
            os.makedirs(osp.dirname(dataset.data) or '.', exist_ok=True)
            run_tool([c.format(data=dataset.data) for c in step.command],
                     f'{dataset.data}.{osp.basename(step.command[0])}.log')


def part_config(settings: Settings, dataset_key: str, name: str) -> tuple:
    """The method's config for a dataset, the folder of that (dataset,
    method) part and the config keys the part sets
    (:func:`part_options`)."""
    folder = osp.join(settings.work_dir, dataset_key,
                      setting_name(settings.budget.stored()),
                      name.replace(' ', '_'))
    config, options = part_options(settings.board, dataset_key, name,
                                   settings.budget.iters is not None)
    return config, folder, options


def part_options(board: Board, dataset_key: str, name: str,
                 budgeted: bool) -> tuple:
    """The method's config for a dataset and the config keys its part sets:
    the data root and splits of the board, the method's options and, under
    a budget, its class balance."""
    dataset = board.datasets[dataset_key]
    method = board.methods[name]
    options = dict(method.options.get(dataset_key, {}))
    if budgeted:
        options.update(method.balance)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.dataset.data_root'] = dataset.data
    for split in dataset.splits:
        options[f'{split}_dataloader.dataset.ann_file'] = dataset.splits[split]
    return method.config(dataset), options


def measure_cost(settings: Settings, name: str, config: str) -> dict:
    """Parameters, operation counts and speed of a method's config at
    256 x 256, measured once (the same model on every dataset)."""
    folder = osp.join(settings.work_dir, 'cost', name.replace(' ', '_'))
    os.makedirs(folder, exist_ok=True)
    counts, speed = osp.join(folder,
                             'counts.json'), osp.join(folder, 'speed.json')
    device = settings.budget.resolved_device()
    if not osp.exists(counts):
        run_tool([
            'tools/analysis_tools/get_flops.py', config, '--shape', '256',
            '256', '--no-mmengine', '--out', counts
        ], osp.join(folder, 'get_flops.log'))
    if not osp.exists(speed):
        run_tool([
            'tools/analysis_tools/benchmark.py', config, '--shape', '256',
            '256', '--batch',
            str(settings.cost_batch), '--warmup', '2', '--repeats', '5',
            '--device', device, '--out', speed
        ], osp.join(folder, 'benchmark.log'), device)
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


def run_part(settings: Settings, dataset_key: str, name: str) -> dict:
    """Train, test and cost one method on one dataset."""
    config, folder, options = part_config(settings, dataset_key, name)
    work_dir = osp.join(folder, 'run')
    path, metrics = run_budgeted(
        config,
        folder,
        work_dir,
        settings.budget,
        options,
        name,
        settings.retest,
        good_only=True)
    return dict(
        config=config,
        trained_config=path,
        metrics=metrics,
        # Relative to the repository: the results file is committed.
        checkpoint=osp.relpath(last_checkpoint(work_dir), REPO),
        machine=machine(),
        date=datetime.date.today().isoformat(),
        **measure_cost(settings, name, config))


def sweep_paired_models(settings: Settings, dataset_key: str,
                        run: dict) -> None:
    """The misalignment sweep of every trained paired model of a run
    (``run['parts']``), stored as ``run['sweep']`` (csv text)."""
    board, dataset = settings.board, settings.board.datasets[dataset_key]
    names = [
        n for n, m in board.methods.items() if m.paired and n in run['parts']
    ]
    if not names:
        print(f'no trained paired {dataset.name} model to sweep')
        return
    out = osp.join(settings.work_dir, dataset_key, setting_name(run['budget']),
                   'sweep')
    models = [(n.replace(' ', '_'), run['parts'][n]['trained_config'],
               run['parts'][n]['checkpoint']) for n in names]
    # Scenes of the held-out test batch only: the sweep re-renders the
    # random split's test scenes, about half of them from batches the models
    # trained on.
    run_sweep(models, dataset.data, out, settings.budget.resolved_device(),
              True, dataset.splits['test'])
    image = osp.join(settings.out_root, sweep_image(dataset_key,
                                                    run['budget']))
    os.makedirs(osp.dirname(image), exist_ok=True)
    shutil.copy(osp.join(out, 'sweep.png'), image)
    with open(osp.join(out, 'sweep.csv')) as f:
        run['sweep'] = f.read()


def main(argv=None):
    settings = parse_args(argv)
    board = settings.board
    os.chdir(REPO)
    results = load_results(settings.results)
    if settings.cost_only:
        dataset = board.datasets[settings.datasets[0]]
        for name in settings.methods:
            measure_cost(settings, name, board.methods[name].config(dataset))
        return
    if settings.merge:
        merged = load_results(settings.merge)
        unknown = sorted(set(merged) - set(board.datasets))
        if unknown:
            raise ValueError(f'{settings.merge}: unknown data sets {unknown}; '
                             f'the board has {list(board.datasets)}')
        for dataset_key, runs in merged.items():
            results.setdefault(dataset_key, {}).update(runs)
        save_results(results, settings.results)
    elif not settings.report_only:
        this = settings.budget.stored()
        for dataset_key in settings.datasets:
            prepare_data(board.datasets[dataset_key])
            for name in settings.methods:  # stored after every part
                results = store_run_entry(
                    settings.results, dataset_key, this, name,
                    run_part(settings, dataset_key, name))
            if settings.sweep and board.datasets[dataset_key].sweep:
                run = results[dataset_key][setting_name(this)]
                sweep_paired_models(settings, dataset_key, run)
                results = store_run_entry(settings.results, dataset_key, this,
                                          'sweep', run['sweep'])
    report(board, results, settings.out_root)
    print(open(osp.join(settings.out_root, REPORT)).read())


if __name__ == '__main__':
    main()

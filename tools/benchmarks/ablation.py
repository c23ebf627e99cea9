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
``--train-crop``, ``--device``; the config's own optimiser, with
``--cfg-options`` on top), is trained by ``tools/train.py`` and tested by
``tools/test.py`` in its own process; finished runs are reused, so the
benchmark resumes after an interruption and can be split over processes.
The table gives, from the test split, the defect class's pooled precision /
recall / F1 / IoU, the per-image IoU, mmseg's two-class mIoU, the
image-level AP and AUROC where the configs evaluate them and, where the
model logs it, the STM's pose error (``PoseErrorHook``), with the training
time.  ``--sweep`` runs ``misalignment_sweep.py`` on the named models
(SynOCD data).
"""
import argparse
import os
import os.path as osp

from budget_runs import (REPO, Budget, last_checkpoint, machine, run_budgeted,
                         run_sweep, write_json)
from mmengine.config import DictAction
from report import write_marked_block

COLUMNS = (('defect.Precision', 'Pre'), ('defect.Recall', 'Rec'),
           ('defect.F1', 'F1'), ('defect.IoU', 'IoU'),
           ('defect.IoU_per_image', 'IoU per image'), ('mIoU', 'mIoU (2 cl.)'),
           ('image/AP', 'image AP'), ('image/AUROC', 'image AUROC'),
           ('stm/theta_error_px', 'pose error (px)'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument(
        '--names', nargs='+', help='row names (default: config stems)')
    parser.add_argument('--iters', type=int, default=500)
    parser.add_argument('--batch-size', type=int, default=4)
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
        help='models to evaluate on the misalignment sweep')
    parser.add_argument(
        '--sweep-axes-only',
        action='store_true',
        help='sweep only the settings the plot shows (8 of 20)')
    parser.add_argument(
        '--readme',
        help='markdown file to write the table '
        'into, between markers')
    parser.add_argument('--marker', default='ablation-benchmark')
    args = parser.parse_args(argv)
    args.names = args.names or [
        osp.splitext(osp.basename(c))[0] for c in args.configs
    ]
    if len(args.names) != len(args.configs):
        parser.error(f'{len(args.names)} names for {len(args.configs)} '
                     'configs')
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


def markdown(results: dict, args, where: str) -> str:
    """The table of the rows' metrics, headed by the command that measured
    them on ``where`` (the machine)."""
    columns = [(key, title) for key, title in COLUMNS
               if any(key in metrics for metrics in results.values())]
    header = '| model | ' + ' | '.join(c for _, c in columns) + \
        ' | train time |'
    options = ' '.join(args.cfg_options)
    lines = [
        f'Measured with `tools/benchmarks/ablation.py --iters {args.iters} '
        f'--batch-size {args.batch_size}' +
        (f' --train-crop {args.train_crop}' if args.train_crop else '') +
        (f' --cfg-options {options}' if options else '') + f'` ({where}; '
        f'data: `{args.data_root}`, test split).', '', header,
        '|' + '---|' * (len(columns) + 2)
    ]
    for name, metrics in results.items():
        cells = [
            f'{metrics[key]:.2f}' if key in metrics else '-'
            for key, _ in columns
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {metrics["train_seconds"] / 60:.1f} min |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    budget = Budget(
        iters=args.iters,
        batch_size=args.batch_size,
        train_crop=args.train_crop,
        device=args.device)
    options = dict(args.options)
    if args.data_root:
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            options[f'{loader}.dataset.data_root'] = args.data_root
    results, configs = {}, {}
    for name, config in zip(args.names, args.configs):
        configs[name], results[name] = run_budgeted(
            config, args.work_dir, osp.join(args.work_dir, name), budget,
            options, name)
    write_json(osp.join(args.work_dir, 'results.json'), results)
    table = markdown(results, args, machine())
    print(table)
    if args.sweep:
        out = run_sweep([(name, configs[name],
                          last_checkpoint(osp.join(args.work_dir, name)))
                         for name in args.sweep], args.data_root,
                        osp.join(args.work_dir, 'sweep'),
                        budget.resolved_device(), args.sweep_axes_only)
        print(f'sweep: {out}/sweep.csv, {out}/sweep.png')
    if args.readme:
        write_marked_block(args.readme, args.marker, table)


if __name__ == '__main__':
    main()

"""Accuracy benchmark of CADNet against SegFormer-B0 on one generated SynLCD.

Checks the two claims of the CADNet paper that a CPU can test at a reduced
budget (Liu et al., Table 3 and Fig. 6):

* intra-class: CADNet above SegFormer-B0 in mIoU (paper: 83.78 vs 76.31);
* out-of-class AL: trained on abnormal points only and tested on lines,
  CADNet keeps a usable line IoU (paper: 40.5) where appearance-based models
  collapse (paper: below 0.5).

Every model is trained with the same data, iterations and batch through
``tools/train.py`` and evaluated through ``tools/test.py`` (each in its own
process, as a user would run them); the results table is printed, saved as
json and written into the README between benchmark markers.  Finished runs
(``metrics.json`` in their work dir) are reused, so an interrupted benchmark
resumes and models can be run in parallel processes (``--models``).  On a
GPU, ``--paper-configs --iters 126000 --batch-size 1 --size 512
--per-pattern 600`` runs the paper's setting.
"""
import argparse
import json
import os
import os.path as osp

from mmdefect.utils.budget_runs import (REPO, budget_options, run_tool,
                                        train_and_test, write_marked_block)

# name -> (CPU config, paper (512x512) config, options of the out-of-class
# run)
MODELS = {
    'CADNet': ('configs/cadnet/cadnet_synlcd-quickstart.py',
               'configs/cadnet/cadnet_synlcd.py',
               ['model.decode_head.mode=out_of_class']),
    'SegFormer-B0': ('configs/baselines/segformer_mit-b0_synlcd-quickstart.py',
                     'configs/baselines/segformer_mit-b0_synlcd-512.py', []),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/synlcd_bench')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--per-pattern', type=int, default=60)
    parser.add_argument('--iters', type=int, default=1000)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--work-dir', default='work_dirs/synlcd_benchmark')
    parser.add_argument('--readme', default='configs/cadnet/README.md')
    parser.add_argument('--models', nargs='+', default=list(MODELS))
    parser.add_argument(
        '--runs',
        nargs='+',
        default=['intra', 'AL'],
        choices=['intra', 'AL'],
        help='intra-class and/or out-of-class (trained on abpt, tested on '
        'line) runs')
    parser.add_argument(
        '--paper-configs',
        action='store_true',
        help='use the 512x512 configs (GPU; with --iters 126000 '
        '--batch-size 1 --size 512 --per-pattern 600 for the paper)')
    return parser.parse_args()


def data_options(data):
    return [
        f'{loader}.dataset.data_root={data}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


def run_split(name,
              cfg,
              work,
              args,
              train_list,
              test_list,
              extra,
              tested_class=None):
    """Train on one list, test on another, with the benchmark's budget."""
    common = data_options(args.data) + extra + [
        f'train_dataloader.dataset.ann_file=splits/{train_list}',
        f'val_dataloader.dataset.ann_file=splits/{test_list}',
        f'test_dataloader.dataset.ann_file=splits/{test_list}',
    ]
    train_options = common + budget_options(
        args.iters, args.batch_size) + [f'param_scheduler.1.end={args.iters}']
    test_options = list(common)
    if tested_class is not None:  # the pixel metric is the first evaluator
        test_options.append(f'test_evaluator.0.tested_class={tested_class}')
    return train_and_test(cfg, work, args.iters, train_options, test_options,
                          name)


def markdown(results, args):
    lines = [
        f'Measured with `tools/analysis_tools/synlcd_benchmark.py --iters '
        f'{args.iters} --size {args.size} --per-pattern {args.per_pattern}` '
        f'(CPU, 2 cores; batch {args.batch_size}; the paper trains 126,000 '
        'iterations at 512x512 on a GPU, so absolute numbers are lower).', '',
        '| model | IoU line | IoU abpt | mIoU | mAcc | mFscore | AL: IoU '
        'line (trained on abpt) | train time |', '|---|---|---|---|---|---|'
        '---|---|'
    ]
    for name, r in results.items():
        intra, cross = r['intra'], r.get('cross', {})
        lines.append(
            f"| {name} | {intra['IoU.line']:.2f} | {intra['IoU.abpt']:.2f} | "
            f"{intra['mIoU']:.2f} | {intra['mAcc']:.2f} | "
            f"{intra['mFscore']:.2f} | "
            f"{cross.get('IoU.line', float('nan')):.2f}"
            f" | {intra['train_seconds'] / 60:.1f} min |")
    lines += [
        '', 'Paper (Table 3, Fig. 6): CADNet 94.02 / 73.53 / 83.78 / 89.05 / '
        '90.84, AL 40.5; SegFormer 82.99 / 69.62 / 76.31 / 83.68 / 86.39, AL '
        '< 0.5.'
    ]
    return '\n'.join(lines)


def main():
    args = parse_args()
    os.chdir(REPO)
    if not osp.exists(osp.join(args.data, 'meta.json')):
        run_tool([
            'tools/dataset_converters/synlcd.py', args.data, '--size',
            str(args.size), '--per-pattern',
            str(args.per_pattern), '--workers', '2'
        ], f'{args.data}.log')
    results = {}
    for name in args.models:
        cpu_cfg, paper_cfg, cross_extra = MODELS[name]
        cfg = paper_cfg if args.paper_configs else cpu_cfg
        work = osp.join(args.work_dir, name)
        results[name] = {}
        if 'intra' in args.runs:
            results[name]['intra'] = run_split(name, cfg,
                                               osp.join(work, 'intra'), args,
                                               'train.txt', 'test.txt', [])
        if 'AL' in args.runs:
            results[name]['cross'] = run_split(
                f'{name} AL',
                cfg,
                osp.join(work, 'AL'),
                args,
                'train_abpt.txt',
                'test_line.txt',
                cross_extra,
                tested_class=1)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    if not all('intra' in r for r in results.values()):
        return  # a partial (parallel) run: the full run writes the table
    table = markdown(results, args)
    print(table)
    write_marked_block(args.readme, 'synlcd-benchmark', table)


if __name__ == '__main__':
    main()

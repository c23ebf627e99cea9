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
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MARK_START = '<!-- synlcd-benchmark:start -->'
MARK_END = '<!-- synlcd-benchmark:end -->'

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


def run(args, log):
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable, *args],
                              cwd=REPO,
                              stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'{" ".join(args)} failed; see {log}')


def data_options(data):
    return [
        f'{loader}.dataset.data_root={data}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


def train_and_test(name,
                   cfg,
                   work,
                   data,
                   iters,
                   batch,
                   train_list,
                   test_list,
                   extra,
                   tested_class=None):
    done = osp.join(work, 'metrics.json')
    if osp.exists(done):  # finished by an earlier (or parallel) run
        with open(done) as f:
            return json.load(f)
    os.makedirs(work, exist_ok=True)
    common = data_options(data) + extra + [
        f'train_dataloader.dataset.ann_file=splits/{train_list}',
        f'val_dataloader.dataset.ann_file=splits/{test_list}',
        f'test_dataloader.dataset.ann_file=splits/{test_list}',
    ]
    train_opts = common + [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters + 1}',
        f'train_dataloader.batch_size={batch}',
        f'param_scheduler.1.end={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]
    start = time.time()
    run([
        'tools/train.py', cfg, '--work-dir', work, '--cfg-options', *train_opts
    ], osp.join(work, 'train.log'))
    seconds = time.time() - start
    test_opts = list(common)
    if tested_class is not None:
        test_opts.append(f'test_evaluator.tested_class={tested_class}')
    test_dir = osp.join(work, 'test')
    run([
        'tools/test.py', cfg,
        osp.join(work, f'iter_{iters}.pth'), '--work-dir', test_dir,
        '--cfg-options', *test_opts
    ], osp.join(work, 'test.log'))
    result = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[-1]
    with open(result) as f:
        metrics = json.load(f)
    metrics['train_seconds'] = round(seconds, 1)
    print(f'{name}: {metrics}', flush=True)
    with open(done, 'w') as f:
        json.dump(metrics, f, indent=2)
    return metrics


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


def write_readme(path, table):
    text = open(path).read() if osp.exists(path) else ''
    block = f'{MARK_START}\n{table}\n{MARK_END}'
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip() + '\n\n' + block + '\n'
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    args = parse_args()
    os.chdir(REPO)
    if not osp.exists(osp.join(args.data, 'meta.json')):
        run([
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
            results[name]['intra'] = train_and_test(name, cfg,
                                                    osp.join(work, 'intra'),
                                                    args.data, args.iters,
                                                    args.batch_size,
                                                    'train.txt', 'test.txt',
                                                    [])
        if 'AL' in args.runs:
            results[name]['cross'] = train_and_test(
                f'{name} AL',
                cfg,
                osp.join(work, 'AL'),
                args.data,
                args.iters,
                args.batch_size,
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
    write_readme(args.readme, table)


if __name__ == '__main__':
    main()

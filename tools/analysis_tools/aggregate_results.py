"""Average the test metrics of several runs: the folds of KolektorSDD or
the classes of DAGM (MFFPA Tables 1 and 2; SegDecNet's protocol)::

    python tools/analysis_tools/aggregate_results.py \
        work_dirs/mffpa_ksdd-fold0-n5 work_dirs/mffpa_ksdd-fold1-n5 \
        work_dirs/mffpa_ksdd-fold2-n5 [--keys image/AP image/AUROC] \
        [--out ksdd_n5.json]

Each argument is a metrics file written by ``tools/test.py`` (mmengine's
``<work_dir>/<timestamp>/<timestamp>.json``), or a folder searched for the
newest such file.  KolektorSDD reports the mean of its 3 per-fold APs
(each fold's test set evaluated on its own, not pooled), DAGM the mean of
its 10 per-class APs; the table lists every run and the mean.
"""
import argparse
import glob
import json
import math
import os.path as osp
import statistics
import sys

DEFAULT_KEYS = ('image/AP', 'image/AP_trapz', 'image/AUROC', 'image/FP',
                'image/FN')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results', nargs='+', help='metrics files or folders')
    parser.add_argument('--keys', nargs='+', default=list(DEFAULT_KEYS))
    parser.add_argument('--out', help='write the means to this JSON file')
    return parser.parse_args()


def find_metrics(path: str) -> str:
    """The metrics file ``path`` names, or the newest one under it."""
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such file or folder')
    found = [
        p for p in glob.glob(osp.join(path, '**', '*.json'), recursive=True)
        if osp.basename(p) == osp.basename(osp.dirname(p)) + '.json'
    ]
    if not found:
        raise FileNotFoundError(f'{path} holds no tools/test.py metrics file '
                                '(<timestamp>/<timestamp>.json)')
    return max(found, key=osp.getmtime)


def aggregate(runs: dict, keys) -> dict:
    """Mean of every key over the runs; a key missing in a run is an
    error naming the run."""
    means = {}
    for key in keys:
        values = []
        for name, metrics in runs.items():
            if key not in metrics:
                raise KeyError(f'{name} has no {key}; it has '
                               f'{sorted(metrics)}')
            values.append(float(metrics[key]))
        means[key] = statistics.fmean(values)
    return means


def main():
    args = parse_args()
    try:
        runs = {}
        for path in args.results:
            file = find_metrics(path)
            with open(file) as f:
                runs[path] = json.load(f)
        means = aggregate(runs, args.keys)
    except (FileNotFoundError, KeyError, ValueError) as error:
        sys.exit(f'aggregate_results: {error}')

    def cell(value):
        value = float(value)
        return 'nan' if math.isnan(value) else f'{value:.2f}'

    print('| run | ' + ' | '.join(args.keys) + ' |')
    print('|---|' + '---|' * len(args.keys))
    for name, metrics in runs.items():
        print(f'| {name} | ' + ' | '.join(cell(metrics[k])
                                          for k in args.keys) + ' |')
    print(f'| mean of {len(runs)} | ' +
          ' | '.join(cell(means[k]) for k in args.keys) + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(runs=list(runs), mean=means), f, indent=2)


if __name__ == '__main__':
    main()

"""Throughput of the exported decision in ONNX Runtime against PyTorch on
CPU, for every method of the leaderboard, in one run.

For each method of ``tools/benchmarks/board.yaml`` (the config of
``--dataset``): random-init weights (speed does not depend on them), the
export of ``export_onnx.py`` at ``--size`` (verified as always), then,
one after the other on the same random uint8 batch:

* PyTorch: ``DefectDataPreProcessor`` and ``model.test_step``'s predict
  (the work of ``DefectInferencer`` after the test pipeline), no grad;
* ONNX Runtime: ``session.run`` on the raw images (the graph holds the
  preprocessing and the decision).

Both with ``--threads`` intra-op threads.  The table gives images per
second (median of ``--repeats`` timed batches after one warm-up batch),
the ratio ORT / PyTorch, and the largest differences of heat map and score
on the timed batch.  ``--out`` also writes the rows as JSON.
"""
import argparse
import importlib.util
import json
import os.path as osp
import sys
import tempfile
import time
from typing import Callable, List

import numpy as np
import torch
import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', 'deployment', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='ONNX Runtime vs PyTorch throughput of every method')
    parser.add_argument('--dataset', default='synlcd')
    parser.add_argument('--size', type=int, nargs=2, default=[256, 256])
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--methods', nargs='+', help='names of board.yaml (default: all)')
    parser.add_argument('--out', help='JSON file of the rows')
    return parser.parse_args(argv)


def images_per_second(run: Callable[[], object], batch: int,
                      repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return batch / float(np.median(times))


def benchmark(name: str, config: str, args, work: str) -> dict:
    from mmdefect.apis import DefectInferencer, init_model
    export, runtime = _tool('export_onnx'), _tool('onnx_infer')
    torch.manual_seed(0)
    ckpt = osp.join(work, 'model.pth')
    torch.save(dict(state_dict=init_model(config).state_dict()), ckpt)
    out = osp.join(work, 'model.onnx')
    start = time.perf_counter()
    code = export.main(
        [config, ckpt, '--out', out, '--shape', *map(str, args.size)])
    if code != 0:
        raise RuntimeError(f'{name}: export failed')
    export_s = time.perf_counter() - start
    model = runtime.DefectOnnxModel(out, threads=args.threads)
    inferencer = DefectInferencer(config, ckpt, device='cpu')
    names = model.inputs
    images = export.random_images(
        np.random.default_rng(0), args.batch_size, args.size, names,
        model.channels)
    data = inferencer.prepare([list(i) for i in zip(
        *images)] if model.paired else images[0])
    net = inferencer.model

    def run_torch():
        with torch.no_grad():
            batch = net.data_preprocessor(data, False)
            return net.predict(batch['inputs'], batch['data_samples'])

    feeds = [np.stack(i) for i in images]
    torch_ips = images_per_second(run_torch, args.batch_size, args.repeats)
    ort_ips = images_per_second(lambda: model(*feeds), args.batch_size,
                                args.repeats)
    diffs = export.compare(
        model(*feeds), export.torch_predictions(inferencer, images),
        model.operating_point, 1e-4)
    return dict(
        method=name,
        config=osp.relpath(config, REPO),
        size='dynamic' if model.input_size is None else 'fixed',
        export_s=round(export_s, 1),
        torch_img_s=round(torch_ips, 2),
        ort_img_s=round(ort_ips, 2),
        ratio=round(ort_ips / torch_ips, 2),
        heat_map_diff=diffs['heat_map'],
        score_diff=diffs['score'])


def table(rows: List[dict], args) -> str:
    lines = [
        f'{args.size[0]} x {args.size[1]}, batch {args.batch_size}, '
        f'{args.threads} threads, median of {args.repeats} batches', '',
        '| method | size | PyTorch img/s | ORT img/s | ORT / PyTorch | '
        'max heat-map diff | max score diff |', '|---|---|---|---|---|---|---|'
    ]
    lines += [
        f"| {r['method']} | {r['size']} | {r['torch_img_s']:.2f} | "
        f"{r['ort_img_s']:.2f} | {r['ratio']:.2f} | "
        f"{r['heat_map_diff']:.1e} | {r['score_diff']:.1e} |" for r in rows
    ]
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmdefect.utils import setup_runtime, write_data
    setup_runtime()
    with open(osp.join(REPO, 'tools', 'benchmarks', 'board.yaml')) as f:
        methods = yaml.safe_load(f)['methods']
    unknown = set(args.methods or ()) - set(methods)
    if unknown:
        raise SystemExit(f'unknown methods {sorted(unknown)}; board.yaml '
                         f'has {list(methods)}')
    rows = []
    for name, method in methods.items():
        if args.methods and name not in args.methods:
            continue
        config = osp.join(REPO, method['configs'][args.dataset])
        with tempfile.TemporaryDirectory() as work:
            rows.append(benchmark(name, config, args, work))
        print(json.dumps(rows[-1]), flush=True)
    print(table(rows, args))
    if args.out:
        write_data(args.out, dict(settings=vars(args), rows=rows), indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())

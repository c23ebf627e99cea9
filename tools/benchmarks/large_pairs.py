"""Speed and memory of template registration and tiled inference on large
boards, side by side::

    python tools/dataset_converters/synocd.py data/synocd_boards \
        --boards 2048 4096 --board-count 1
    OMP_NUM_THREADS=1 python tools/benchmarks/large_pairs.py \
        data/synocd_boards [--config CONFIG] [--checkpoint CKPT] \
        [--tile 512] [--stride 384] [--repeats 3]

For every board side in the folder (``annotations/board_<side>.json``, the
first board of each), in a fresh process each so that the peak resident
memory is the side's own:

* registration: the median wall time of ``register_template`` (ECC on a
  pyramid, feature fallback) in ms and in ms per megapixel, its method and
  correlation, and the largest distance between the found motion and the
  board's recorded pose over the image (px);
* tiled inference: the config's test pipeline with ``RegisterTemplate``,
  then ``model.test_step`` in sliding windows (``--tile``/``--stride``):
  images per second (one pass, the pipeline included) and the process's
  peak RSS (``ru_maxrss``, the Python/torch runtime included).

Prints one table and the ratio of every column between consecutive sides
next to the ratio of their pixel counts.  The model's weights do not change
its speed; without ``--checkpoint`` they are random.
"""
import argparse
import json
import os.path as osp
import resource
import subprocess
import sys
import time

import cv2
import numpy as np

COLUMNS = ('side', 'register_ms', 'register_ms_per_mp', 'method',
           'correlation', 'pose_error_px', 'infer_s', 'img_per_s', 'windows',
           'peak_rss_mb')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Registration and tiled-inference speed and memory on '
        'large boards')
    parser.add_argument('boards', help='folder of generated SynOCD boards')
    parser.add_argument(
        '--config', default='configs/baselines/siamese_r18_unet_synocd-256.py')
    parser.add_argument('--checkpoint', help='weights (random if omitted)')
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--stride', type=int, default=384)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument(
        '--side', type=int, help='measure this side only (the child runs)')
    return parser.parse_args(argv)


def sides(folder: str):
    with open(osp.join(folder, 'meta.json')) as f:
        return [int(side) for side in json.load(f)['boards']]


def measure(args) -> dict:
    """Both measurements of one side, in this process."""
    import torch
    from mmcv.transforms import Compose
    from mmengine.config import ConfigDict

    from mmdefect.apis import init_model
    from mmdefect.datasets.transforms import (register_template,
                                              with_registration)
    from mmdefect.utils.geometry import pose_matrix
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    with open(osp.join(args.boards, 'annotations',
                       f'board_{args.side}.json')) as f:
        board = json.load(f)['data_list'][0]
    paths = {
        key: osp.join(args.boards, board[key])
        for key in ('img_path', 'template_path')
    }
    sample = cv2.imread(paths['img_path'])
    template = cv2.imread(paths['template_path'])
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        quality = register_template(sample, template)['quality']
        times.append(time.perf_counter() - start)
    expected = np.vstack([pose_matrix(board['pose'], args.side), [0, 0, 1]])
    grid = np.stack(
        np.meshgrid(*[np.linspace(0, args.side - 1, 9)] * 2),
        axis=-1).reshape(-1, 1, 2)
    error = np.abs(
        cv2.perspectiveTransform(grid, np.array(quality['matrix'])) -
        cv2.perspectiveTransform(grid, expected)).max()
    register_ms = 1000 * float(np.median(times))
    del sample, template

    model = init_model(args.config, args.checkpoint, device='cpu')
    model.test_cfg = ConfigDict(
        model.test_cfg or {},
        mode='slide',
        crop_size=(args.tile, args.tile),
        stride=(args.stride, args.stride))
    pipeline = Compose(
        with_registration(model.cfg.test_dataloader.dataset.pipeline))
    start = time.perf_counter()
    packed = pipeline(
        dict(
            img_path=paths['img_path'],
            template_path=paths['template_path'],
            seg_map_path=osp.join(args.boards, board['seg_map_path']),
            pose=board['pose'],
            seg_fields=[],
            reduce_zero_label=False))
    with torch.no_grad():
        model.test_step(
            dict(
                inputs=[packed['inputs']],
                data_samples=[packed['data_samples']]))
    infer_s = time.perf_counter() - start
    count = (args.side - args.tile + args.stride - 1) // args.stride + 1
    return dict(
        side=args.side,
        register_ms=round(register_ms, 1),
        register_ms_per_mp=round(register_ms / (args.side**2 / 1e6), 2),
        method=quality['method'],
        correlation=round(quality['correlation'], 3),
        pose_error_px=round(float(error), 2),
        infer_s=round(infer_s, 1),
        img_per_s=round(1 / infer_s, 4),
        windows=count * count,
        peak_rss_mb=round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.side is not None:
        print(json.dumps(measure(args)))
        return 0
    rows = []
    for side in sides(args.boards):
        command = [
            sys.executable, __file__, *sys.argv[1:], '--side',
            str(side)
        ]
        output = subprocess.run(
            command, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(f'measured {side} x {side}', flush=True)
    print('| ' + ' | '.join(COLUMNS) + ' |')
    print('|' + '---|' * len(COLUMNS))
    for row in rows:
        print('| ' + ' | '.join(str(row[c]) for c in COLUMNS) + ' |')
    for small, large in zip(rows, rows[1:]):
        ratios = {
            c: large[c] / small[c]
            for c in ('register_ms', 'register_ms_per_mp', 'infer_s',
                      'peak_rss_mb') if small[c]
        }
        print(f"{large['side']} / {small['side']}: pixels "
              f"{(large['side'] / small['side'])**2:.1f}x, " +
              ', '.join(f'{c} {r:.2f}x' for c, r in ratios.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())

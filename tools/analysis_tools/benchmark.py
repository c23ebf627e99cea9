"""Training-step time, inference throughput and peak memory of a config,
side by side with a baseline config measured in the same run.

The inputs are what the config trains and tests on: generated images
(``--shape``; a smooth random texture as the template, the sample with a
bright defect on every other one, its mask) in
:class:`~mmdefect.datasets.DefectDataset`'s folder layout, run through the
config's own training pipeline (so each paper's targets, e.g. BANet's edge
maps or SegDecNet's dilated and weighted masks, are made as in training, and
a pipeline that resizes or crops sets the size the model sees) and its test
pipeline.  Paired models (``num_images = 2``) get the template too and count
one pair as one image.

Each model is measured in its own fresh process (so peak memory is its own),
with warm-up iterations before timing; with ``--rounds > 1`` the models
alternate, so slow phases of a noisy machine hit both.  Ratios are
``model / baseline`` for times and memory and ``model / baseline`` for
throughput, printed at the end.  ``--profile K`` adds the K operators that
take the most of one training step (self time, ``torch.profiler``): where a
step is slower than its multiply-adds predict, they name the cause.
``fps_eq8`` is MFFPA's Eq. 8, ``FPS = K / sum(T_i)`` over K = ``--repeats``
synchronised batch-1 inferences after the warm-up (the mean, where the
other throughputs take the median).
"""
import argparse
import json
import multiprocessing as mp
import resource
import statistics
import time

RESULT_KEYS = ('train_s_per_iter', 'infer_img_per_s', 'infer_b1_img_per_s',
               'fps_eq8', 'peak_mem_mb')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--baseline', help='config to compare with')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--device', default='cuda_if_available')
    parser.add_argument(
        '--threads',
        type=int,
        default=0,
        help='torch CPU threads (0: torch default)')
    parser.add_argument(
        '--profile',
        type=int,
        default=0,
        metavar='K',
        help='print the K operators with the most self time in one '
        'training step')
    parser.add_argument(
        '--out', help='json file for the measurements (config -> values)')
    return parser.parse_args()


def write_generated_data(folder: str, shape, num: int, paired: bool) -> None:
    """``num`` samples of ``shape`` in DefectDataset's folder layout
    (``images/``, ``masks/``, ``templates/`` where ``paired``): a smooth
    random texture as the template; every other sample holds a bright
    defect (mask value 1), the others are defect-free."""
    import os
    import os.path as osp

    import cv2
    import numpy as np
    rng = np.random.default_rng(0)
    h, w = shape
    for sub in ('images', 'masks') + (('templates', ) if paired else ()):
        os.makedirs(osp.join(folder, sub), exist_ok=True)
    for i in range(num):
        small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), np.uint8)
        template = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        sample, mask = template.copy(), np.zeros((h, w), np.uint8)
        if i % 2 == 0:
            y, x = rng.integers(0, h - h // 8), rng.integers(0, w - w // 8)
            mask[y:y + h // 8, x:x + w // 8] = 1
            sample[mask == 1] = 255
        name = f'{i}.png'
        cv2.imwrite(osp.join(folder, 'images', name), sample)
        cv2.imwrite(osp.join(folder, 'masks', name), mask)
        if paired:
            cv2.imwrite(osp.join(folder, 'templates', name), template)


def pipeline_batch(folder: str, pipeline: list, num: int) -> dict:
    """A batch of ``num`` generated samples through ``pipeline`` (a
    config's), as its dataloader collates them."""
    import os.path as osp

    from mmengine.dataset import pseudo_collate

    from mmdefect.datasets import DefectDataset
    prefix = dict(img_path='images', seg_map_path='masks')
    if osp.isdir(osp.join(folder, 'templates')):
        prefix['template_path'] = 'templates'
    dataset = DefectDataset(
        data_root=folder, data_prefix=prefix, pipeline=pipeline)
    return pseudo_collate([dataset[i % len(dataset)] for i in range(num)])


def _measure(config,
             shape,
             batch,
             warmup,
             repeats,
             device,
             threads,
             profile=0):
    """Runs in a child process; returns the measurements as a dict."""
    import tempfile

    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdefect  # noqa: F401
    from mmdefect.utils import apply_color_type, input_channels

    if threads:
        torch.set_num_threads(threads)
    cfg = apply_color_type(Config.fromfile(config))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if device == 'cuda_if_available':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device)
    channels = input_channels(cfg)
    with tempfile.TemporaryDirectory() as folder:
        write_generated_data(
            folder, shape, batch,
            cfg.model.data_preprocessor.get('num_images', 1) == 2)
        train_data = pipeline_batch(folder,
                                    cfg.train_dataloader.dataset.pipeline,
                                    batch)
        test_pipeline = cfg.test_dataloader.dataset.pipeline
        test_data = {
            num: pipeline_batch(folder, test_pipeline, num)
            for num in {1, batch}
        }

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model.train()
    data = model.data_preprocessor(train_data, True)

    def train_step():
        loss, _ = model.parse_losses(model.loss(**data))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step_times = []
    for i in range(warmup + repeats):
        sync()
        start = time.perf_counter()
        train_step()
        sync()
        if i >= warmup:
            step_times.append(time.perf_counter() - start)
    top_operators = []
    if profile:
        with torch.profiler.profile() as prof:
            train_step()
            sync()
        events = prof.key_averages()
        total = sum(e.self_cpu_time_total for e in events)
        top_operators = [
            (e.key, e.self_cpu_time_total / 1e3, e.self_cpu_time_total / total,
             e.count) for e in sorted(
                 events, key=lambda e: -e.self_cpu_time_total)[:profile]
        ]

    def throughput(num):
        model.eval()
        data = model.data_preprocessor(test_data[num], False)
        times = []
        with torch.no_grad():
            for i in range(warmup + repeats):
                sync()
                start = time.perf_counter()
                model.predict(**data)
                sync()
                if i >= warmup:
                    times.append(time.perf_counter() - start)
        return num / statistics.median(times), num * len(times) / sum(times)

    batch_1, fps_eq8 = throughput(1)
    result = dict(
        train_s_per_iter=statistics.median(step_times),
        infer_img_per_s=throughput(batch)[0],
        infer_b1_img_per_s=batch_1,
        fps_eq8=fps_eq8,
        device=device,
        channels=channels,
        train_shape=tuple(data['inputs'].shape[-2:]),
        top_operators=top_operators)
    if device.startswith('cuda'):
        result['peak_mem_mb'] = torch.cuda.max_memory_allocated() / 2**20
    else:  # ru_maxrss is in KiB on Linux
        result['peak_mem_mb'] = resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def measure(config, args):
    ctx = mp.get_context('spawn')
    with ctx.Pool(1) as pool:
        return pool.apply(
            _measure, (config, args.shape, args.batch, args.warmup,
                       args.repeats, args.device, args.threads, args.profile))


def main():
    args = parse_args()
    configs = [args.config] + ([args.baseline] if args.baseline else [])
    runs = {c: [] for c in configs}
    for _ in range(args.rounds):
        for config in configs:
            runs[config].append(measure(config, args))
    summary = {
        c: {
            k: statistics.median(r[k] for r in rs)
            for k in RESULT_KEYS
        }
        for c, rs in runs.items()
    }
    device = runs[args.config][0]['device']
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(
                dict(
                    device=device,
                    shape=args.shape,
                    batch=args.batch,
                    results=summary),
                f,
                indent=2)
    h, w = args.shape
    print(f'device: {device}, generated images {h}x{w} through each '
          f"config's pipelines, batch {args.batch}, {args.repeats} timed "
          f'repeats after {args.warmup} warm-up, {args.rounds} round(s)')
    header = (f'{"config":60s} {"train input":>11s} {"train s/it":>10s} '
              f'{"infer img/s":>11s} {"b1 img/s":>9s} {"batched/b1":>10s} '
              f'{"FPS Eq.8":>9s} {"peak MB":>8s}')
    print(header)
    for config, s in summary.items():
        size = 'x'.join(map(str, runs[config][0]['train_shape']))
        print(f'{config[-60:]:60s} {size:>11s} {s["train_s_per_iter"]:10.3f} '
              f'{s["infer_img_per_s"]:11.2f} {s["infer_b1_img_per_s"]:9.2f} '
              f'{s["infer_img_per_s"] / s["infer_b1_img_per_s"]:10.2f} '
              f'{s["fps_eq8"]:9.2f} {s["peak_mem_mb"]:8.0f}')
    for config in configs if args.profile else ():
        print(f'\n{config}: operators with the most self CPU time in one '
              'training step')
        for name, ms, share, count in runs[config][-1]['top_operators']:
            print(f'  {name[:44]:44s} {ms:9.1f} ms {share:6.1%} '
                  f'{count:5d} calls')
    if args.baseline:
        a, b = summary[args.config], summary[args.baseline]
        print(f'ratio model/baseline: train step '
              f'{a["train_s_per_iter"] / b["train_s_per_iter"]:.2f}x, '
              f'inference throughput '
              f'{a["infer_img_per_s"] / b["infer_img_per_s"]:.2f}x, '
              f'FPS (Eq. 8) {a["fps_eq8"] / b["fps_eq8"]:.2f}x, '
              f'peak memory {a["peak_mem_mb"] / b["peak_mem_mb"]:.2f}x')


if __name__ == '__main__':
    main()

"""Training-step time, inference throughput and peak memory of a config,
side by side with a baseline config measured in the same run.

Each model is measured in its own fresh process (so peak memory is its own),
with warm-up iterations before timing; with ``--rounds > 1`` the models
alternate, so slow phases of a noisy machine hit both.  Ratios are
``model / baseline`` for times and memory and ``model / baseline`` for
throughput, printed at the end.  ``--profile K`` adds the K operators that
take the most of one training step (self time, ``torch.profiler``): where a
step is slower than its multiply-adds predict, they name the cause.

Paired models get (N, 6, H, W) inputs (sample + template) and count one
pair as one image.  ``fps_eq8`` is MFFPA's Eq. 8, ``FPS = K / sum(T_i)``
over K = ``--repeats`` synchronised batch-1 inferences after the warm-up
(the mean, where the other throughputs take the median).
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


def _measure(config,
             shape,
             batch,
             warmup,
             repeats,
             device,
             threads,
             profile=0):
    """Runs in a child process; returns the measurements as a dict."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    import mmdefect  # noqa: F401
    from mmdefect.utils import input_channels

    if threads:
        torch.set_num_threads(threads)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if device == 'cuda_if_available':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device)
    channels = input_channels(cfg)
    h, w = shape

    def batch_of(num):
        samples = []
        for _ in range(num):
            gt = torch.randint(0, model.num_classes, (1, h, w))
            # Every target a model may train on: derived maps and the
            # image label (SegDecNet / MFFPA).
            sample = SegDataSample(
                gt_sem_seg=PixelData(data=gt),
                gt_edge_map=PixelData(data=(gt > 0).long()),
                gt_loc_map=PixelData(data=(gt > 0).long()),
                gt_dilated_map=PixelData(data=(gt > 0).float()),
                gt_weight_map=PixelData(data=torch.ones(1, h, w)))
            sample.set_field(torch.tensor(int((gt > 0).any())), 'gt_label')
            sample.set_metainfo(
                dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
            samples.append(sample)
        inputs = [
            torch.randint(0, 256, (channels, h, w), dtype=torch.uint8)
            for _ in range(num)
        ]
        return dict(inputs=inputs, data_samples=samples)

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model.train()
    data = model.data_preprocessor(batch_of(batch), True)

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
        data = model.data_preprocessor(batch_of(num), False)
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
    print(f'device: {device}, input {h}x{w}, batch {args.batch}, '
          f'{args.repeats} timed repeats after {args.warmup} warm-up, '
          f'{args.rounds} round(s)')
    header = (f'{"config":60s} {"train s/it":>10s} {"infer img/s":>11s} '
              f'{"b1 img/s":>9s} {"batched/b1":>10s} {"FPS Eq.8":>9s} '
              f'{"peak MB":>8s}')
    print(header)
    for config, s in summary.items():
        print(f'{config[-60:]:60s} {s["train_s_per_iter"]:10.3f} '
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

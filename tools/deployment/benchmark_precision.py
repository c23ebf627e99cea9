"""What FP16 and INT8 cost in decisions and buy in speed, for every trained
method of a leaderboard setting, in one run.

For each part of ``--leaderboard`` at ``--dataset``/``--setting`` whose
checkpoint is on disk (trained and calibrated by
``tools/benchmarks/leaderboard.py``): the whole decision is exported at its
calibrated operating point (``export_onnx.py``, verified against PyTorch
as always), its variants are made (``quantize_onnx.py``; INT8 calibrated on
the first ``--calibration-images`` images of the validation split), and
each model (FP32, then the variants) runs through the test split with ONNX
Runtime at batch 1, reading the image files as ``onnx_infer.py`` does.

Measured on the same test images for every precision:

* defect IoU of the exported masks (pooled over the test set, at the
  operating point in the file), pixel AP of the heat maps (pooled, pixels
  the ground truth ignores left out) and image AP of the scores, each with
  its difference from FP32;
* decisions that differ from FP32's (images);
* images per second (test loop, ``--threads`` intra-op threads) and the
  ratio to FP32; file size.

The ground truth is what the config's test pipeline packs (the test images
must reach the network at their file size, as the export's graph takes
them).  ``--out`` writes the rows as JSON.
"""
import argparse
import json
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional

import cv2
import numpy as np
from sklearn.metrics import average_precision_score

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import export_onnx  # noqa: E402
import quantize_onnx  # noqa: E402
from onnx_infer import DefectOnnxModel  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='FP16 / INT8 against FP32 for every trained method of '
        'a leaderboard setting')
    parser.add_argument(
        '--leaderboard', default=osp.join(REPO, 'docs', 'leaderboard.json'))
    parser.add_argument('--dataset', default='synocd')
    parser.add_argument(
        '--setting', help='setting of the data set (default: its first)')
    parser.add_argument('--methods', nargs='+', help='default: every part')
    parser.add_argument(
        '--precisions',
        nargs='+',
        default=list(quantize_onnx.PRECISIONS),
        choices=quantize_onnx.PRECISIONS)
    parser.add_argument('--calibration-images', type=int, default=32)
    parser.add_argument(
        '--max-images',
        type=int,
        help='test on the first N test images only (default: all)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', help='JSON file of the rows')
    return parser.parse_args(argv)


def split_items(config, split: str, max_images: Optional[int] = None):
    """``(items, ground truths)`` of the config's ``<split>_dataloader``:
    file paths as ``onnx_infer.py`` reads them, and per image the packed
    ground-truth mask (H, W) or None, and the image label."""
    from mmseg.registry import DATASETS
    dataset = DATASETS.build(config[f'{split}_dataloader'].dataset)
    count = len(dataset) if max_images is None else min(
        max_images, len(dataset))
    items, truths = [], []
    for index in range(count):
        info = dataset.get_data_info(index)
        items.append({
            key: info[key]
            for key in ('img_path', 'template_path') if info.get(key)
        })
        if split == 'test':
            sample = dataset[index]['data_samples']
            mask = (
                sample.gt_sem_seg.data[0].numpy()
                if 'gt_sem_seg' in sample else None)
            label = int(sample.gt_label) if 'gt_label' in sample else int(
                mask is not None and ((mask > 0) & (mask != 255)).any())
            truths.append((mask, label))
    return items, truths


def run_split(model: DefectOnnxModel, feeds: List[dict]) -> dict:
    """Outputs of every image (batch 1) and the images per second."""
    outputs = []
    start = time.perf_counter()
    for feed in feeds:
        outputs.append(model(*(feed[name] for name in model.inputs)))
    seconds = time.perf_counter() - start
    return dict(outputs=outputs, img_s=len(feeds) / seconds)


def scores(outputs: List[dict], truths: list) -> Dict[str, float]:
    """Defect IoU (%) of the masks, pixel AP (%) of the heat maps and image
    AP (%) of the scores against ``truths``; pooled over the images."""
    inter = union = 0
    heat, target = [], []
    for out, (mask, _) in zip(outputs, truths):
        if mask is None:
            continue
        if out['heat_map'].shape[1:] != mask.shape:
            raise ValueError(
                f'heat map {out["heat_map"].shape[1:]} and ground truth '
                f'{mask.shape} differ: the test pipeline resizes; the '
                'exported graph takes images at their file size')
        valid = mask != 255
        truth = (mask > 0) & valid
        pred = (out['mask'][0] > 0) & valid
        inter += int((truth & pred).sum())
        union += int((truth | pred).sum())
        heat.append(out['heat_map'][0][valid])
        target.append(truth[valid])
    result = dict(IoU=100 * inter / union if union else float('nan'))
    if heat:
        result['pixel_AP'] = 100 * average_precision_score(
            np.concatenate(target), np.concatenate(heat))
    labels = [label for _, label in truths]
    if 0 < sum(labels) < len(labels):
        result['image_AP'] = 100 * average_precision_score(
            labels, [float(out['score'][0]) for out in outputs])
    return result


def benchmark(name: str, part: dict, args, work: str) -> List[dict]:
    from mmengine.config import Config
    config = osp.join(REPO, part['trained_config'])
    checkpoint = osp.join(REPO, part['checkpoint'])
    cfg = Config.fromfile(config)
    val_items, _ = split_items(cfg, 'val', args.calibration_images)
    test_items, truths = split_items(cfg, 'test', args.max_images)
    # Exported (and verified) at the size of the test images.
    shape = cv2.imread(test_items[0]['img_path'], cv2.IMREAD_UNCHANGED).shape
    fp32 = osp.join(work, 'fp32.onnx')
    if export_onnx.main([
            config, checkpoint, '--out', fp32, '--shape',
            str(shape[0]),
            str(shape[1])
    ]) != 0:
        raise RuntimeError(f'{name}: export failed')
    reference = DefectOnnxModel(fp32, threads=args.threads)
    calibration = list(quantize_onnx.feeds_of(reference, val_items))
    feeds = list(quantize_onnx.feeds_of(reference, test_items))
    base = run_split(reference, feeds)
    base_scores = scores(base['outputs'], truths)
    rows = [
        dict(
            method=name,
            precision='fp32',
            mb=osp.getsize(fp32) / 2**20,
            img_s=base['img_s'],
            decisions_changed=0,
            **base_scores)
    ]
    for precision in args.precisions:
        path = osp.join(work, f'{precision}.onnx')
        quantize_onnx.write_variant(fp32, precision, path, calibration)
        run = run_split(DefectOnnxModel(path, threads=args.threads), feeds)
        changed = sum(
            int(a['decision'][0] != b['decision'][0])
            for a, b in zip(run['outputs'], base['outputs']))
        rows.append(
            dict(
                method=name,
                precision=precision,
                mb=osp.getsize(path) / 2**20,
                img_s=run['img_s'],
                decisions_changed=changed,
                **scores(run['outputs'], truths)))
    for row in rows:
        row['images'] = len(feeds)
        row['speed_ratio'] = row['img_s'] / base['img_s']
        for key in ('IoU', 'pixel_AP', 'image_AP'):
            if key in row:
                row[f'{key}_delta'] = row[key] - base_scores[key]
    return rows


def _number(row: dict, key: str) -> str:
    return f'{row[key]:.2f}' if key in row else '-'


def _delta(row: dict, key: str) -> str:
    if row['precision'] == 'fp32' or f'{key}_delta' not in row:
        return ''
    return f' ({row[f"{key}_delta"]:+.2f})'


def table(rows: List[dict], args) -> str:
    lines = [
        f'{args.dataset} test split, batch 1, {args.threads} threads; INT8 '
        f'calibrated on {args.calibration_images} validation images', '',
        '| method | precision | MB | defect IoU | pixel AP | image AP | '
        'decisions changed | img/s | x FP32 |', '|---|---|---|---|---|---|---|'
        '---|---|'
    ]
    for r in rows:
        lines.append(f"| {r['method']} | {r['precision']} | {r['mb']:.1f} | "
                     f"{_number(r, 'IoU')}{_delta(r, 'IoU')} | "
                     f"{_number(r, 'pixel_AP')}{_delta(r, 'pixel_AP')} | "
                     f"{_number(r, 'image_AP')}{_delta(r, 'image_AP')} | "
                     f"{r['decisions_changed']} / {r['images']} | "
                     f"{r['img_s']:.2f} | {r['speed_ratio']:.2f} |")
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdefect.utils import setup_runtime, write_data
    setup_runtime()
    with open(args.leaderboard) as f:
        settings = json.load(f)[args.dataset]
    setting = args.setting or next(iter(settings))
    parts = settings[setting]['parts']
    unknown = set(args.methods or ()) - set(parts)
    if unknown:
        raise SystemExit(f'unknown methods {sorted(unknown)}; {setting} has '
                         f'{list(parts)}')
    rows, missing = [], []
    for name, part in parts.items():
        if args.methods and name not in args.methods:
            continue
        if not osp.isfile(osp.join(REPO, part['checkpoint'])):
            missing.append(name)
            continue
        with tempfile.TemporaryDirectory() as work:
            rows += benchmark(name, part, args, work)
        print(json.dumps(rows[-len(args.precisions) - 1:]), flush=True)
    print(table(rows, args))
    if missing:
        print(f'not measured (checkpoint not on disk): {", ".join(missing)}')
    if args.out:
        write_data(
            args.out,
            dict(
                settings=vars(args),
                setting=setting,
                rows=rows,
                missing=missing),
            indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())

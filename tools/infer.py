"""Segment defects in image pairs on disk and write masks, panels, summary.

Pairs come from a list file ("sample template [mask]" per line, paths
relative to the list file's folder, the format of the datasets' list files)
or from a folder: ``<folder>/sample/*.png`` with ``<folder>/template/<same
name>`` (``--template-dir`` elsewhere) and optionally ``<folder>/mask/<same
name>``; a folder without ``sample/`` is itself the sample folder.
Single-image models need no template.

Outputs under ``--out``:
  masks/<stem>.png      class indices (uint8)
  overlays/<stem>.png   panel: sample | template | prediction | heat maps |
                        errors (when a mask was given)
  summary.json, summary.csv   one entry per pair: paths, score, defect area
                        per class, decision (score >= threshold), status

A bad pair (missing or unreadable image, size mismatch) is reported on
stderr, listed in the summary with its error and skipped; the exit status is
1 if any pair failed.  Every file is written under a temporary name and
renamed, so an interrupted run leaves no half-written file.
"""
import argparse
import csv
import io
import json
import os
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmdefect.apis import inference_pair, init_model, is_paired
from mmdefect.datasets.transforms.loading import (LoadDefectAnnotations,
                                                  read_image)
from mmdefect.utils import staged_output
from mmdefect.visualization import (blend, color_mask, error_overlay,
                                    heat_map, make_panel)

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Segment defects in sample/template pairs')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--pairs', required=True,
        help='list file ("sample template [mask]" per line) or folder '
        '(sample/, template/, optional mask/)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threshold', type=float, default=0.5,
        help='decision threshold on the image score (max defect '
        'probability)')
    parser.add_argument(
        '--root',
        help='folder the list file\'s paths are relative to (default: the '
        'list file\'s folder); e.g. the data root for a dataset\'s '
        'splits/test.txt')
    parser.add_argument(
        '--template-dir',
        help='folder of templates named like the samples (folder input)')
    parser.add_argument(
        '--panel-height', type=int, default=256,
        help='tile height of the overlay panels in pixels')
    return parser.parse_args(argv)


def pairs_from_list(list_file: str, root: Optional[str] = None) -> List[dict]:
    root = root or osp.dirname(osp.abspath(list_file))
    pairs = []
    with open(list_file) as f:
        for num, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) > 3:
                raise ValueError(f'{list_file}:{num}: expected "sample '
                                 f'[template] [mask]", got {line.strip()!r}')
            paths = [osp.join(root, p) for p in parts]
            pairs.append(dict(sample=paths[0],
                              template=paths[1] if len(paths) > 1 else None,
                              mask=paths[2] if len(paths) > 2 else None))
    return pairs


def pairs_from_folder(folder: str,
                      template_dir: Optional[str] = None) -> List[dict]:
    sample_dir = osp.join(folder, 'sample')
    if not osp.isdir(sample_dir):
        sample_dir = folder
    if template_dir is None and osp.isdir(osp.join(folder, 'template')):
        template_dir = osp.join(folder, 'template')
    mask_dir = osp.join(folder, 'mask')
    pairs = []
    for name in sorted(os.listdir(sample_dir)):
        if not name.lower().endswith(IMAGE_SUFFIXES):
            continue
        mask = osp.join(mask_dir, name)
        pairs.append(dict(
            sample=osp.join(sample_dir, name),
            template=osp.join(template_dir, name) if template_dir else None,
            mask=mask if osp.exists(mask) else None))
    return pairs


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a staging file in its folder."""
    with staged_output(path, overwrite=True, is_dir=False) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def write_png(path: str, image: np.ndarray) -> None:
    ok, buf = cv2.imencode('.png', image)
    if not ok:
        raise RuntimeError(f'cannot encode {path}')
    atomic_write(path, buf.tobytes())


def unique_stems(pairs: List[dict]) -> List[str]:
    """Output names: the sample's file stem, numbered where stems repeat."""
    seen = {}
    stems = []
    for pair in pairs:
        stem = osp.splitext(osp.basename(pair['sample']))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        stems.append(stem if count == 0 else f'{stem}-{count}')
    return stems


def load_pair(pair: dict, paired: bool, mask_loader, mask_info: dict) -> dict:
    """Read the images (and mask) of a pair; errors name the file.

    The mask goes through the datasets' own ``LoadDefectAnnotations`` with
    the test dataset's ``mask_value_map``/``allow_ignore_index``, so it is
    mapped and validated exactly as in evaluation.
    """
    if paired and not pair['template']:
        raise ValueError(f'sample {pair["sample"]} has no template')
    sample = read_image(pair['sample'])
    loaded = dict(sample=sample, template=None, gt=None)
    if paired:
        template = read_image(pair['template'])
        if template.shape != sample.shape:
            raise ValueError(
                f'sample {pair["sample"]} has shape {sample.shape} but its '
                f'template {pair["template"]} has shape {template.shape}')
        loaded['template'] = template
    if pair['mask']:
        results = mask_loader(
            dict(mask_info, seg_map_path=pair['mask'],
                 img_path=pair['sample'], ori_shape=sample.shape[:2],
                 seg_fields=[]))
        loaded['gt'] = results['gt_seg_map']
    return loaded


def draw_panel(loaded: dict, result, palette, height: int) -> np.ndarray:
    sample = cv2.cvtColor(loaded['sample'], cv2.COLOR_BGR2RGB)
    tiles = [('sample', sample)]
    if loaded['template'] is not None:
        tiles.append(('template',
                      cv2.cvtColor(loaded['template'], cv2.COLOR_BGR2RGB)))
    shown = (result.mask > 0) & (result.mask < len(palette))
    tiles.append(('prediction',
                  blend(sample, color_mask(result.mask, palette), 0.6,
                        shown)))
    for name, values in result.heat_maps.items():
        tiles.append((name, heat_map(values)))
    if loaded['gt'] is not None:
        errors, count = error_overlay(result.mask, loaded['gt'],
                                      draw_count=False)
        tiles.append((f'errors, Err: {count}', errors))
    return cv2.cvtColor(make_panel(tiles, height=height), cv2.COLOR_RGB2BGR)


def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.isdir(args.pairs):
        pairs = pairs_from_folder(args.pairs, args.template_dir)
    elif osp.isfile(args.pairs):
        pairs = pairs_from_list(args.pairs, args.root)
    else:
        raise FileNotFoundError(f'--pairs {args.pairs} does not exist')
    if not pairs:
        raise ValueError(f'no image pairs found in {args.pairs}')

    model = init_model(args.config, args.checkpoint, device=args.device)
    paired = is_paired(model)
    classes = list(model.dataset_meta['classes'])
    palette = model.dataset_meta['palette']
    dataset_cfg = model.cfg.test_dataloader.dataset
    mask_info = dict(
        num_classes=len(classes),
        mask_value_map=dict(dataset_cfg.get('mask_value_map') or {}),
        allow_ignore_index=dataset_cfg.get('allow_ignore_index', False))
    mask_loader = LoadDefectAnnotations()
    for sub in ('masks', 'overlays'):
        os.makedirs(osp.join(args.out, sub), exist_ok=True)

    stems = unique_stems(pairs)
    rows = []
    progress = ProgressBar(len(pairs))
    for start in range(0, len(pairs), args.batch_size):
        batch = []
        for index in range(start, min(start + args.batch_size, len(pairs))):
            pair = pairs[index]
            row = dict(sample=pair['sample'], template=pair['template'] or '',
                       mask=pair['mask'] or '', output=stems[index])
            rows.append(row)
            try:
                batch.append((row, load_pair(pair, paired, mask_loader,
                                             mask_info)))
            except (OSError, ValueError) as err:
                row.update(output='', status='error', error=str(err))
                print(f'\nerror: {err}', file=sys.stderr)
                progress.update()
        if not batch:
            continue
        results = inference_pair(
            model, [loaded['sample'] for _, loaded in batch],
            [loaded['template'] for _, loaded in batch] if paired else None,
            batch_size=args.batch_size)
        for (row, loaded), result in zip(batch, results):
            write_png(osp.join(args.out, 'masks', row['output'] + '.png'),
                      result.mask)
            write_png(osp.join(args.out, 'overlays', row['output'] + '.png'),
                      draw_panel(loaded, result, palette, args.panel_height))
            areas = np.bincount(result.mask.ravel(), minlength=len(classes))
            row.update(
                score=round(result.score, 6),
                decision=result.score >= args.threshold,
                **{f'area_{name}': int(areas[c])
                   for c, name in enumerate(classes) if c > 0},
                status='ok', error='')
            progress.update()

    write_summary(args, rows, classes)
    failed = sum(row['status'] == 'error' for row in rows)
    print(f'\n{len(rows) - failed} of {len(rows)} pairs segmented; results '
          f'in {args.out}')
    if failed:
        print(f'{failed} pair(s) failed; see {args.out}/summary.json',
              file=sys.stderr)
    return 1 if failed else 0


def write_summary(args, rows: List[dict], classes: List[str]) -> None:
    fields = (['sample', 'template', 'mask', 'output', 'score', 'decision'] +
              [f'area_{name}' for name in classes[1:]] + ['status', 'error'])
    summary = dict(
        config=args.config, checkpoint=args.checkpoint,
        threshold=args.threshold, classes=classes,
        results=[{k: row.get(k) for k in fields} for row in rows])
    atomic_write(osp.join(args.out, 'summary.json'),
                 json.dumps(summary, indent=2).encode())
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, restval='')
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(osp.join(args.out, 'summary.csv'), text.getvalue().encode())


if __name__ == '__main__':
    sys.exit(main())

"""Run a model exported by ``tools/deployment/export_onnx.py`` with ONNX
Runtime, numpy and OpenCV only: no PyTorch, no OpenMMLab.

This one file is what a line computer needs besides the ``.onnx`` file: it
is a script and a module (``DefectOnnxModel``), and it imports nothing of
mmdefect, whose package imports PyTorch.  The exported graph holds the
preprocessing, the network and the decision at the operating point, so the
outputs equal ``tools/infer.py``'s on the same images (tested for every
method):

  masks/<stem>.png      class indices (uint8)
  overlays/<stem>.png   sample | template | prediction | defect
                        probability, with the image score and decision
  summary.json, summary.csv   one entry per input: paths, ground-truth
                        image label (listed, else from the mask), score,
                        decision (1 defective: score >= the exported image
                        threshold), defect area per class, status

Inputs, as ``tools/infer.py`` reads them with the dataset's default
settings: a list file (columns as exported, by default ``sample template
mask``; ``-`` for a missing value; paths relative to the list file's folder
or ``--root``), a ``.json`` annotation file (``data_list`` entries with
``img_path``, ``template_path``, ``seg_map_path``), or a folder with
``sample/``, ``template/`` (or ``--template-dir``) and optionally ``mask/``
(a folder without ``sample/`` holds the samples).  Masks are listed in the
summary, not evaluated.

A bad input (missing or unreadable image, wrong channel count or dtype, a
pair of two sizes, a size the model was not exported for) is reported on
stderr, listed in the summary with its error and skipped; the exit status
is 1 if any failed.  Every file is written under a temporary name and
renamed.
"""
import argparse
import csv
import io
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import onnxruntime as ort

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
OUTPUTS = ('heat_map', 'mask', 'score', 'decision')
PREFIX = 'mmdefect.'
REQUIRED = ('version', 'inputs', 'channels', 'classes', 'image_threshold')


class DefectOnnxModel:
    """An exported mmdefect model in an ONNX Runtime session.

    Args:
        path (str): The ``.onnx`` file.
        providers (list[str], optional): ONNX Runtime execution providers;
            CPU by default.
        threads (int, optional): Intra-op threads (ONNX Runtime's default
            if None).

    Attributes:
        meta (dict): The ``mmdefect.*`` metadata, decoded.
        inputs (list[str]): ``['sample', 'template']`` or ``['image']``.
        classes, palette: Class names and colours.
        input_size (tuple, optional): The only (H, W) the model takes.
    """

    def __init__(self,
                 path: str,
                 providers: Optional[List[str]] = None,
                 threads: Optional[int] = None) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'model file {path} not found')
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            path, options, providers=providers or ['CPUExecutionProvider'])
        props = self.session.get_modelmeta().custom_metadata_map
        missing = [k for k in REQUIRED if PREFIX + k not in props]
        if missing:
            raise ValueError(
                f'model file {path} has no mmdefect metadata (missing '
                f'{", ".join(PREFIX + k for k in missing)}); export it with '
                'tools/deployment/export_onnx.py')
        self.meta = {
            key[len(PREFIX):]: json.loads(value)
            for key, value in props.items() if key.startswith(PREFIX)
        }
        self.path = path
        self.inputs = list(self.meta['inputs'])
        self.channels = int(self.meta['channels'])
        self.classes = list(self.meta['classes'])
        self.palette = [tuple(p) for p in self.meta.get('palette') or []]
        size = self.meta.get('input_size')
        self.input_size = tuple(size) if size else None
        self.columns = list(
            self.meta.get('columns')
            or ('img_path', 'template_path', 'seg_map_path'))

    @property
    def paired(self) -> bool:
        """Whether the model compares each sample with a template."""
        return len(self.inputs) == 2

    @property
    def operating_point(self) -> Dict[str, Optional[float]]:
        return {
            key: self.meta.get(key)
            for key in ('pixel_threshold', 'image_threshold')
        }

    def check(self, name: str, images: np.ndarray) -> np.ndarray:
        """``images`` as an (N, H, W, C) uint8 batch, or an error naming
        the input and what the model expects."""
        images = np.asarray(images)
        if images.ndim == 2 and self.channels == 1:
            images = images[..., None]
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or images.shape[-1] != self.channels:
            raise ValueError(
                f'{name}: expected an H x W x {self.channels} image (or N x '
                f'H x W x {self.channels} batch), got shape '
                f'{tuple(images.shape)}')
        if images.dtype != np.uint8:
            raise ValueError(f'{name}: expected uint8 pixels, got '
                             f'{images.dtype}')
        if self.input_size and tuple(images.shape[1:3]) != self.input_size:
            raise ValueError(
                f'{name}: the model was exported for '
                f'{self.input_size[0]}x{self.input_size[1]} images only, got '
                f'{images.shape[1]}x{images.shape[2]}')
        return images

    def __call__(
            self,
            sample: np.ndarray,
            template: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """Outputs of one image or batch: ``heat_map`` (N, H, W) float32,
        ``mask`` (N, H, W) uint8, ``score`` (N,) float32, ``decision`` (N,)
        uint8.  Images as ``cv2.imread`` gives them (BGR)."""
        if self.paired and template is None:
            raise ValueError('this model compares each sample with a '
                             'defect-free template: give sample and '
                             'template')
        if not self.paired and template is not None:
            raise ValueError('this model segments the sample alone: give '
                             'no template')
        feeds = {self.inputs[0]: self.check(self.inputs[0], sample)}
        if template is not None:
            feeds['template'] = self.check('template', template)
            if feeds['template'].shape != feeds[self.inputs[0]].shape:
                raise ValueError('sample and template differ in size: '
                                 f'{feeds[self.inputs[0]].shape[1:]} and '
                                 f'{feeds["template"].shape[1:]}')
        return dict(zip(OUTPUTS, self.session.run(list(OUTPUTS), feeds)))

    def read(self, path: str) -> np.ndarray:
        """An image of ``path`` as the model's test pipeline loads it:
        8-bit, a 16-bit file divided by 257 and rounded (mmdefect's
        ``read_image``)."""
        flag = (cv2.IMREAD_GRAYSCALE if self.meta.get('color_type')
                == 'grayscale' else cv2.IMREAD_COLOR) | cv2.IMREAD_ANYDEPTH
        if not osp.isfile(path):
            raise FileNotFoundError(f'image {path} not found')
        image = cv2.imread(path, flag)
        if image is None:
            raise ValueError(f'image {path} cannot be decoded (corrupt or '
                             'not an image file)')
        if image.dtype == np.uint16:
            image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
        return image


# -- inputs -------------------------------------------------------------


def _join(root: Optional[str], path: Optional[str]) -> Optional[str]:
    if path is None or osp.isabs(path) or not root:
        return path
    return osp.join(root, path)


def list_items(source: str,
               columns: Sequence[str],
               root: Optional[str] = None,
               template_dir: Optional[str] = None) -> List[dict]:
    """Samples (``img_path``, ``template_path``, ``seg_map_path``) of a
    list file, ``.json`` annotation file or folder."""
    if osp.isdir(source):
        return _folder_items(source, template_dir)
    if not osp.isfile(source):
        raise FileNotFoundError(f'{source} is neither a folder nor a list or '
                                'annotation file')
    root = root or osp.dirname(osp.abspath(source))
    if source.endswith('.json'):
        with open(source) as f:
            content = json.load(f)
        if not (isinstance(content, dict) and 'data_list' in content):
            raise ValueError(f'{source} is not in mmengine\'s annotation '
                             'format ({"metainfo": ..., "data_list": [...]})')
        entries = content['data_list']
    else:
        entries = []
        with open(source) as f:
            for lineno, line in enumerate(f, 1):
                values = line.split()
                if not values:
                    continue
                if len(values) > len(columns):
                    raise ValueError(
                        f'{source}:{lineno}: {len(values)} values but the '
                        f'model\'s dataset has {len(columns)} columns '
                        f'{tuple(columns)}')
                entries.append({
                    c: v
                    for c, v in zip(columns, values) if v != '-'
                })
    keys = ('img_path', 'template_path', 'seg_map_path')
    items = [{
        k: _join(root, e.get(k))
        for k in keys if e.get(k)
    } for e in entries]
    for item, entry in zip(items, entries):
        if entry.get('gt_label') is not None:
            item['gt_label'] = int(entry['gt_label'])
    return items


def _folder_items(folder: str, template_dir: Optional[str]) -> List[dict]:
    samples = osp.join(folder, 'sample')
    samples = samples if osp.isdir(samples) else folder
    templates = template_dir or osp.join(folder, 'template')
    masks = osp.join(folder, 'mask')
    items = []
    for name in sorted(os.listdir(samples)):
        if not name.lower().endswith(IMAGE_SUFFIXES):
            continue
        item = dict(img_path=osp.join(samples, name))
        if osp.isdir(templates):
            item['template_path'] = osp.join(templates, name)
        mask = osp.join(masks, osp.splitext(name)[0] + '.png')
        if osp.isfile(mask):
            item['seg_map_path'] = mask
        items.append(item)
    return items


def unique_stems(items: List[dict]) -> List[str]:
    """Output names: the sample's file stem, numbered where stems repeat."""
    seen: Dict[str, int] = {}
    stems = []
    for item in items:
        stem = osp.splitext(osp.basename(item['img_path']))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        stems.append(stem if count == 0 else f'{stem}-{count}')
    return stems


# -- outputs ------------------------------------------------------------


def write_bytes(path: str, data: bytes) -> None:
    """Write through a temporary file and rename (no partial file)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.partial-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_png(path: str, image: np.ndarray) -> None:
    ok, data = cv2.imencode('.png', image)
    if not ok:
        raise ValueError(f'cannot encode {path}')
    write_bytes(path, data.tobytes())


def _tile(image: np.ndarray, height: int) -> np.ndarray:
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 1:
        image = cv2.cvtColor(image[..., 0], cv2.COLOR_GRAY2BGR)
    width = max(1, round(image.shape[1] * height / image.shape[0]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_NEAREST)


def panel(model: DefectOnnxModel,
          sample: np.ndarray,
          template: Optional[np.ndarray],
          heat_map: np.ndarray,
          mask: np.ndarray,
          score: float,
          decision: int,
          height: int = 256) -> np.ndarray:
    """sample | template | prediction over the sample, with the score and
    the decision | defect probability (0-1, JET)."""
    colours = np.array(
        model.palette if len(model.palette) >= len(model.classes) else
        [(0, 0, 0)] + [(0, 0, 255)] * (len(model.classes) - 1), np.uint8)
    base = sample if sample.ndim == 3 and sample.shape[2] == 3 else \
        cv2.cvtColor(sample.reshape(sample.shape[:2]), cv2.COLOR_GRAY2BGR)
    overlay = base.copy()
    defect = mask > 0
    overlay[defect] = (0.2 * base[defect] +
                       0.8 * colours[mask[defect]][:, ::-1]).astype(np.uint8)
    heat = cv2.applyColorMap(
        np.clip(heat_map * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    tiles = [sample] + ([template] if template is not None else [])
    tiles = [_tile(t, height) for t in tiles + [overlay, heat]]
    text = f'score {score:.3f}: {"DEFECTIVE" if decision else "good"}'
    prediction = tiles[-2]
    cv2.rectangle(prediction, (0, 0), (prediction.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(prediction, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (0, 0, 255) if decision else (0, 255, 0), 1, cv2.LINE_AA)
    gap = np.full((height, 4, 3), 255, np.uint8)
    row = [tiles[0]]
    for tile in tiles[1:]:
        row += [gap, tile]
    return np.concatenate(row, axis=1)


def summary_fields(classes: List[str]) -> List[str]:
    return ([
        'sample', 'template', 'mask', 'output', 'gt_label', 'score', 'decision'
    ] + [f'area_{name}' for name in classes[1:]] + ['status', 'error'])


def ground_truth_label(item: dict) -> object:
    """The listed image label, else whether the mask has a non-zero pixel
    (masks are not mapped here), else empty."""
    if 'gt_label' in item:
        return item['gt_label']
    if 'seg_map_path' not in item:
        return ''
    mask = cv2.imread(item['seg_map_path'], cv2.IMREAD_UNCHANGED)
    return '' if mask is None else int(bool(mask.any()))


def write_summary(out: str, model: DefectOnnxModel, rows: List[dict]) -> None:
    fields = summary_fields(model.classes)
    summary = dict(
        model=model.path,
        config=model.meta.get('config'),
        config_hash=model.meta.get('config_hash'),
        operating_point=model.operating_point,
        classes=model.classes,
        results=[{
            k: row.get(k)
            for k in fields
        } for row in rows])
    write_bytes(
        osp.join(out, 'summary.json'),
        json.dumps(summary, indent=2).encode())
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, restval='')
    writer.writeheader()
    writer.writerows(rows)
    write_bytes(osp.join(out, 'summary.csv'), text.getvalue().encode())


# -- the tool -----------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Segment defects with an exported mmdefect ONNX model '
        '(ONNX Runtime, numpy and OpenCV only)')
    parser.add_argument('model', help='.onnx file of export_onnx.py')
    parser.add_argument(
        '--pairs',
        required=True,
        help='list file, .json annotation file, or folder (sample/, '
        'template/, optional mask/)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument(
        '--root', help='folder the list file\'s paths are relative to')
    parser.add_argument(
        '--template-dir',
        help='folder of templates named like the samples (folder input)')
    parser.add_argument('--panel-height', type=int, default=256)
    parser.add_argument(
        '--threads', type=int, help='ONNX Runtime intra-op threads')
    return parser.parse_args(argv)


def load(model: DefectOnnxModel,
         item: dict) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Sample and template of one item, checked."""
    sample = model.check(item['img_path'], model.read(item['img_path']))[0]
    template = None
    if model.paired:
        if 'template_path' not in item:
            raise ValueError(f'sample {item["img_path"]} has no template, '
                             'but this model compares every sample with its '
                             'defect-free template')
        template = model.check(item['template_path'],
                               model.read(item['template_path']))[0]
        if template.shape != sample.shape:
            raise ValueError(
                f'sample {item["img_path"]} has shape {sample.shape} but '
                f'its template {item["template_path"]} has shape '
                f'{template.shape}')
    return sample, template


def main(argv=None) -> int:
    args = parse_args(argv)
    model = DefectOnnxModel(args.model, threads=args.threads)
    items = list_items(args.pairs, model.columns, args.root, args.template_dir)
    rows = [
        dict(
            sample=item['img_path'],
            template=item.get('template_path') or '',
            mask=item.get('seg_map_path') or '',
            output=stem) for item, stem in zip(items, unique_stems(items))
    ]
    loaded = []
    for index, item in enumerate(items):
        try:
            loaded.append((index, *load(model, item)))
        except (OSError, ValueError) as err:
            rows[index].update(output='', status='error', error=str(err))
            print(f'error: {err}', file=sys.stderr)
    # Batches of consecutive inputs of one size, as DefectInferencer's.
    batches: List[list] = []
    for entry in loaded:
        if batches and len(batches[-1]) < args.batch_size and \
                batches[-1][0][1].shape == entry[1].shape:
            batches[-1].append(entry)
        else:
            batches.append([entry])
    for batch in batches:
        samples = np.stack([e[1] for e in batch])
        templates = np.stack([e[2] for e in batch]) if model.paired else None
        outputs = model(samples, templates)
        for i, (index, sample, template) in enumerate(batch):
            row = rows[index]
            mask = outputs['mask'][i]
            write_png(
                osp.join(args.out, 'masks', row['output'] + '.png'), mask)
            score, decision = float(outputs['score'][i]), int(
                outputs['decision'][i])
            write_png(
                osp.join(args.out, 'overlays', row['output'] + '.png'),
                panel(model, sample, template, outputs['heat_map'][i], mask,
                      score, decision, args.panel_height))
            areas = np.bincount(mask.ravel(), minlength=len(model.classes))
            row.update(
                gt_label=ground_truth_label(items[index]),
                score=round(score, 6),
                decision=decision,
                **{
                    f'area_{name}': int(areas[c])
                    for c, name in enumerate(model.classes) if c > 0
                },
                status='ok',
                error='')
    write_summary(args.out, model, rows)
    failed = sum(row['status'] == 'error' for row in rows)
    print(f'{len(rows) - failed} of {len(rows)} inputs segmented; results '
          f'in {args.out}')
    if failed:
        print(
            f'{failed} input(s) failed; see {args.out}/summary.json',
            file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

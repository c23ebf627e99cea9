"""Export a model's whole decision to ONNX and verify it against PyTorch.

The graph maps raw images to the outputs of ``DefectInferencer``, so that a
line computer runs it with ONNX Runtime alone
(``tools/deployment/onnx_infer.py``):

* inputs: ``sample`` and ``template`` for paired models, ``image`` for
  single-image models; each (N, H, W, C) uint8 with the channels as
  ``cv2.imread`` gives them (BGR), as the test pipeline loads them;
* in the graph, as ``DefectDataPreProcessor`` and the segmentor do: the
  channel swap, ``(pixel - mean) / std``, the pair stacked on channels,
  padding of H and W to the preprocessor's ``size_divisor`` (zeros after
  normalising, removed again from the outputs), the network (backbone,
  neck, decode head, image head), and the decision at the operating point;
* outputs: ``heat_map`` (N, H, W) float32, the per-pixel defect probability
  (``defect_probability`` of the segmentor); ``mask`` (N, H, W) uint8 class
  indices (``pred_sem_seg``); ``score`` (N,) float32, the image score
  (``pred_score``: the image head's probability, else the largest defect
  probability); ``decision`` (N,) uint8, 1 defective (``pred_label``:
  ``score >= image_threshold``).

Operating point: the checkpoint's calibration record
(``tools/calibrate.py``), ``--threshold`` to override it, else 0.5 for
images and mmseg's arg-max for pixels; the same function as in
``tools/test.py`` and ``DefectInferencer`` puts it into the model, and the
thresholds become constants of the graph.

Sizes: the batch axis is always dynamic, and H and W are made dynamic and
checked at a second size.  Three ways are tried in turn until one passes
the verification (:data:`VARIANTS`): the TorchScript exporter as
``torch.onnx.export`` runs it; the same without its ONNX shape inference,
which otherwise takes the sequence lengths of ``nn.MultiheadAttention``
(MiT backbones: CADNet, SegFormer) for constants; and, last, the
``--shape`` size only (the runtime then refuses other sizes).
``--fixed-size`` goes to the last directly.

Metadata (``metadata_props``, keys ``mmdefect.*``): classes and palette,
thresholds with their source and the decision rule, input names, layout,
channel count and colour type, normalisation, size divisor, the fixed
input size if any, the test dataset's list-file columns, the mmdefect
version and the config hash (``mmdefect.evaluation.calibration.
config_hash``) of the calibration record.

Registration and tiling are not part of the graph: no config of the
leaderboard uses them at test time (whole-image inference, no resize).

The file is written as ``<out>.partial-<pid>`` and renamed to ``<out>`` only
after ONNX Runtime reproduces the PyTorch test path (``model.test_step`` on
the test pipeline's batch) on random images (batch 2, and batch 1 at the
second size) and, with ``--verify-pair``, on real images: heat maps and
scores within ``--tolerance``, masks and decisions identical except where
the PyTorch value is within the tolerance of its threshold (counted).  On
any failure the staging file is removed and the exit status is 1.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import mmdefect
from mmdefect.apis import DefectInferencer
from mmdefect.evaluation.calibration import calibration_of, config_hash
from mmdefect.models.segmentors import defect_classes, defect_probability
from mmdefect.utils import staged_output

OUTPUTS = ('heat_map', 'mask', 'score', 'decision')
# Test transforms whose effect the graph and the runtime reproduce: loading
# (the runtime reads the images as they do), annotations, packing.
PIPELINE_IN_GRAPH = ('LoadDefectImages', 'LoadImageFromFile',
                     'LoadImageFromNDArray', 'LoadAnnotations',
                     'LoadDefectAnnotations', 'GenerateEdgeMap',
                     'GenerateLocationMap', 'PackDefectInputs',
                     'PackSegInputs')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a model\'s whole decision (raw images to heat '
        'map, mask, score and decision) to ONNX')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='image size of the export (the only size if it cannot be '
        'dynamic)')
    parser.add_argument(
        '--threshold',
        type=float,
        help='decide pixels and images at this threshold instead of the '
        'checkpoint\'s calibrated operating point')
    parser.add_argument(
        '--fixed-size',
        action='store_true',
        help='export for the --shape size only (batch stays dynamic)')
    parser.add_argument(
        '--opset',
        type=int,
        default=20,
        help='ONNX opset (20: AffineGrid and GridSample of BANet)')
    parser.add_argument(
        '--verify-pair',
        nargs='+',
        metavar='IMAGE',
        help='SAMPLE TEMPLATE (SAMPLE alone for single-image models) to '
        'verify on real images, at their own size')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-4,
        help='largest allowed max abs difference of heat maps and scores')
    return parser.parse_args(argv)


class DecisionGraph(nn.Module):
    """Raw uint8 images -> heat map, mask, image score and decision, as
    ``DefectDataPreProcessor`` and ``DefectEncoderDecoder.predict`` compute
    them for whole-image inference without test-time resizing.

    Only what the decision needs runs: the segmentor's model-specific heat
    maps (``pred_<name>``) are left out.

    Args:
        segmentor (nn.Module): A ``DefectEncoderDecoder`` in eval mode.
        pixel_threshold (float, optional): Defect probability at which a
            pixel is defective; None: mmseg's arg-max (sigmoid > the decode
            head's threshold for a one-channel head).
        image_threshold (float): Score at which an image is defective.
        fixed_size (tuple[int], optional): The only (H, W) of the input:
            padding and cropping become constants, which networks that
            need static feature sizes (adaptive pooling) require.
    """

    def __init__(self,
                 segmentor: nn.Module,
                 pixel_threshold: Optional[float],
                 image_threshold: float,
                 fixed_size: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        self.segmentor = segmentor
        self.fixed_size = fixed_size
        pre = segmentor.data_preprocessor
        self.swap_channels = pre.swap_channels
        self.normalize = pre.normalize
        if self.normalize:
            self.register_buffer('mean', pre.image_mean.view(1, -1, 1, 1),
                                 False)
            self.register_buffer('std', pre.image_std.view(1, -1, 1, 1), False)
        self.size_divisor = (pre.test_cfg or {}).get('size_divisor')
        self.pad_val = pre.pad_val
        self.pixel_threshold = pixel_threshold
        self.image_threshold = image_threshold

    def _normalise(self, image: torch.Tensor) -> torch.Tensor:
        """(N, H, W, C) uint8 -> (N, C, H, W) float, swapped and
        normalised."""
        x = image.permute(0, 3, 1, 2).float()
        if self.swap_channels:
            x = x.flip(1)
        if self.normalize:
            x = (x - self.mean) / self.std
        return x

    def forward(self,
                sample: torch.Tensor,
                template: Optional[torch.Tensor] = None) -> tuple:
        images = [sample] if template is None else [sample, template]
        x = torch.cat([self._normalise(image) for image in images], dim=1)
        height, width = self.fixed_size or x.shape[2:]
        if self.size_divisor:
            x = F.pad(
                x, (0, (-width) % self.size_divisor, 0,
                    (-height) % self.size_divisor),
                value=self.pad_val)
        segmentor = self.segmentor
        # A torch.Size img_shape makes the decode head resize to the input
        # of this call, which the exporter keeps symbolic.
        metas = [dict(img_shape=x.shape[2:])]
        feats = segmentor.extract_feat(x)
        raw_logits = segmentor.decode_head(feats)
        logits = segmentor.decode_head.predict_by_feat(
            raw_logits, metas)[:, :, :height, :width]
        if logits.shape[1] == 1:  # mmseg stores the sigmoid of one logit
            logits = logits.sigmoid()
        # The segmentor's per-image functions take the classes first.
        per_class = logits.transpose(0, 1)
        heat_map = defect_probability(per_class)
        if segmentor.with_cls_head:
            score = segmentor.cls_head.predict(feats, raw_logits, metas,
                                               segmentor.test_cfg)
        else:
            score = heat_map.flatten(1).amax(dim=1)
        if self.pixel_threshold is not None:
            mask = defect_classes(per_class, self.pixel_threshold)
        elif logits.shape[1] == 1:
            mask = logits[:, 0] > segmentor.decode_head.threshold
        else:
            mask = logits.argmax(dim=1)
        decision = score >= self.image_threshold
        return heat_map, mask.to(torch.uint8), score, decision.to(torch.uint8)


def register_symbolics(opset: int) -> None:
    """ONNX forms of three operations the TorchScript exporter cannot
    convert in mmdefect's models, registered for ``opset``:

    * ``&=`` of boolean masks (BGNet's mutual-nearest-neighbour rule);
    * ``max(dim)`` of a boolean tensor (ONNX ArgMax takes no bool), as
      uint8;
    * ``F.fold`` (``col2im``) with an output size that follows the input
      (MFFPA's outlook attention), as ONNX ``Col2Im`` whose size is an
      input;
    * adaptive average pooling of an input whose size the exporter does
      not know (BANet's spatial transformer), as the means over PyTorch's
      windows (rows ``floor(i H / o)`` to ``ceil((i + 1) H / o)``, then
      columns), which ONNX has no operator for.
    """
    from onnx import TensorProto
    from torch.onnx import (register_custom_op_symbolic, symbolic_helper,
                            symbolic_opset9)

    def inplace_and(g, self, other):
        return g.op('And', self, other)

    def maximum(g, self, dim_or_y=None, keepdim=None):
        if keepdim is None or not symbolic_helper._is_bool(self):
            return symbolic_helper._max_helper(g, self, dim_or_y, keepdim)
        values, indices = symbolic_helper._max_helper(
            g, g.op('Cast', self, to_i=TensorProto.UINT8), dim_or_y, keepdim)
        return g.op('Cast', values, to_i=TensorProto.BOOL), indices

    @symbolic_helper.parse_args('v', 'v', 'v', 'is', 'is', 'is')
    def col2im(g, input, output_size, kernel_size, dilation, padding, stride):
        return g.op(
            'Col2Im',
            input,
            output_size,
            kernel_size,
            dilations_i=dilation,
            pads_i=[p for p in padding for _ in range(2)],
            strides_i=stride)

    def const(g, values):
        return g.op('Constant', value_t=torch.tensor(values))

    def window_means(g, x, axis: int, count: int):
        size = g.op('Slice', g.op('Shape', x), const(g, [axis]),
                    const(g, [axis + 1]))
        means = []
        for i in range(count):
            start = g.op('Div', g.op('Mul', size, const(g, [i])),
                         const(g, [count]))
            end = g.op(
                'Div',
                g.op('Add', g.op('Mul', size, const(g, [i + 1])),
                     const(g, [count - 1])), const(g, [count]))
            window = g.op('Slice', x, start, end, const(g, [axis]))
            means.append(
                g.op('ReduceMean', window, const(g, [axis]), keepdims_i=1
                     ) if g.opset >= 18 else g.
                op('ReduceMean', window, axes_i=[axis], keepdims_i=1))
        return g.op('Concat', *means, axis_i=axis)

    @symbolic_helper.parse_args('v', 'is')
    def adaptive_avg_pool2d(g, input, output_size):
        sizes = symbolic_helper._get_tensor_sizes(input)
        if sizes and None not in sizes[2:]:
            return symbolic_opset9.adaptive_avg_pool2d(g, input, output_size)
        rows = window_means(g, input, 2, output_size[0])
        return window_means(g, rows, 3, output_size[1])

    register_custom_op_symbolic('aten::__iand_', inplace_and, opset)
    register_custom_op_symbolic('aten::adaptive_avg_pool2d',
                                adaptive_avg_pool2d, opset)
    register_custom_op_symbolic('aten::max', maximum, opset)
    register_custom_op_symbolic('aten::col2im', col2im, opset)


def input_names(paired: bool) -> List[str]:
    return ['sample', 'template'] if paired else ['image']


# Ways of exporting, tried in this order until one passes verification:
# (name, dynamic H and W, the exporter's ONNX shape inference).
VARIANTS = (('dynamic size', True, True),
            ('dynamic size without the exporter\'s shape inference', True,
             False), ('fixed size', False, True))


def export(graph: DecisionGraph, names: List[str], shape: Tuple[int, int],
           channels: int, path: str, opset: int, dynamic_size: bool,
           shape_inference: bool) -> None:
    """TorchScript export of ``graph``.

    Without ``shape_inference`` the exporter does not infer the shapes of
    the ONNX values as it converts them: it otherwise takes sequence
    lengths of ``nn.MultiheadAttention`` (MiT backbones) for constants.
    torch.onnx.export does not expose that switch, so its implementation
    is called; the shapes it recorded from the example are dropped, and
    ONNX Runtime infers them.
    """
    import onnx
    from torch.onnx._internal.torchscript_exporter import utils
    register_symbolics(opset)
    graph.eval()
    axes = {0: 'batch'}
    if dynamic_size:
        axes.update({1: 'height', 2: 'width'})
    example = tuple(
        torch.zeros(1, *shape, channels, dtype=torch.uint8) for _ in names)
    dynamic_axes = {name: axes for name in names}
    dynamic_axes.update({name: axes for name in ('heat_map', 'mask')})
    dynamic_axes.update({name: {0: 'batch'} for name in ('score', 'decision')})
    # The tracer warns at every Python branch on a size (channel counts,
    # batch of one, padding); the verification at a second size and batch
    # checks what it took for constants, so its warnings say nothing more.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        utils._export(
            graph,
            example,
            path,
            input_names=names,
            output_names=list(OUTPUTS),
            opset_version=opset,
            dynamic_axes=dynamic_axes,
            onnx_shape_inference=shape_inference)
    if not shape_inference:
        proto = onnx.load(path)
        del proto.graph.value_info[:]
        onnx.save(proto, path)


def operating_point(model: nn.Module, checkpoint: str,
                    threshold: Optional[float]) -> Tuple[dict, str]:
    """The thresholds the model decides at and where they come from."""
    test_cfg = model.test_cfg or {}
    point = dict(
        pixel_threshold=test_cfg.get('pixel_threshold'),
        image_threshold=test_cfg.get('image_threshold', 0.5))
    if threshold is not None:
        return point, f'given (--threshold {threshold})'
    record = calibration_of(checkpoint)
    if record is None:
        return point, ('uncalibrated: images at 0.5, pixels by arg-max '
                       '(tools/calibrate.py chooses an operating point)')
    return point, (f"calibrated: rule {record['rule']} (target "
                   f"{record['target']}) on the {record['split']} split")


def metadata(inferencer: DefectInferencer, checkpoint: str,
             point: Dict[str, Optional[float]], source: str,
             fixed_size: Optional[Sequence[int]]) -> Dict[str, str]:
    """The ``mmdefect.*`` metadata of the ONNX file (JSON values)."""
    model, cfg = inferencer.model, inferencer.cfg
    pre = model.data_preprocessor
    loader = next(t for t in cfg.test_dataloader.dataset.pipeline
                  if t['type'] in ('LoadDefectImages', 'LoadImageFromFile'))
    pixel_rule = ('defect probability >= pixel_threshold, the most likely '
                  'defect class there' if point['pixel_threshold'] is not None
                  else 'arg-max of the classes (one-channel head: '
                  'probability > 0.5)')

    values = dict(
        version=mmdefect.__version__,
        producer='tools/deployment/export_onnx.py',
        config=osp.basename(inferencer.cfg.filename or ''),
        config_hash=config_hash(cfg),
        checkpoint=osp.basename(checkpoint),
        classes=list(model.dataset_meta['classes']),
        palette=[list(p) for p in model.dataset_meta['palette']],
        inputs=input_names(inferencer.paired),
        input_layout='N x H x W x C uint8, channels as cv2.imread reads '
        'them (BGR)',
        channels=pre.channels,
        color_type=loader.get('color_type', 'color'),
        input_size=list(fixed_size) if fixed_size else None,
        normalisation=dict(
            bgr_to_rgb=bool(pre.swap_channels),
            mean=_floats(cfg.model.data_preprocessor.get('mean')),
            std=_floats(cfg.model.data_preprocessor.get('std'))),
        size_divisor=(pre.test_cfg or {}).get('size_divisor'),
        pixel_threshold=point['pixel_threshold'],
        image_threshold=point['image_threshold'],
        operating_point=source,
        decision_rule=f'decision = score >= image_threshold; mask: '
        f'{pixel_rule}',
        outputs=dict(
            heat_map='N x H x W float32 defect probability',
            mask='N x H x W uint8 class indices',
            score='N float32 image score',
            decision='N uint8, 1 defective'),
        columns=list(
            cfg.test_dataloader.dataset.get(
                'columns', ('img_path', 'template_path', 'seg_map_path'))))
    return {f'mmdefect.{k}': json.dumps(v) for k, v in values.items()}


def _floats(values: Optional[Sequence[float]]) -> Optional[List[float]]:
    return None if values is None else [float(v) for v in values]


def add_metadata(path: str, props: Dict[str, str]) -> None:
    import onnx
    proto = onnx.load(path)
    onnx.helper.set_model_props(proto, props)
    onnx.save(proto, path)


def torch_predictions(inferencer: DefectInferencer,
                      images: Sequence[Sequence[np.ndarray]]) -> dict:
    """The PyTorch test path on one batch of images: ``images[i]`` is the
    i-th input of the model (the samples, then the templates), each a
    list of H x W x C uint8 arrays; outputs named as the graph's.

    The images go through PNG files (lossless), so that the test
    pipeline's own loader reads them, one-channel models' included.
    """
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for role, arrays in zip(input_names(inferencer.paired), images):
            paths.append([])
            for index, array in enumerate(arrays):
                paths[-1].append(osp.join(folder, f'{role}{index}.png'))
                cv2.imwrite(paths[-1][-1], array)
        items = list(zip(*paths)) if inferencer.paired else paths[0]
        data = inferencer.prepare(
            [list(i) if inferencer.paired else i for i in items])
    with torch.no_grad():
        preds = inferencer.model.test_step(data)
    return dict(
        heat_map=np.stack([
            defect_probability(p.seg_logits.data).float().numpy()
            for p in preds
        ]),
        mask=np.stack(
            [p.pred_sem_seg.data[0].numpy().astype(np.uint8) for p in preds]),
        score=np.array([float(p.pred_score) for p in preds], np.float32),
        decision=np.array([int(p.pred_label) for p in preds], np.uint8),
        probabilities=np.stack([
            (p.seg_logits.data.float().softmax(0) if p.seg_logits.shape[0] > 1
             else p.seg_logits.data.float()).numpy() for p in preds
        ]))


def compare(ours: Dict[str, np.ndarray], ref: Dict[str, np.ndarray],
            point: Dict[str, Optional[float]], tolerance: float) -> dict:
    """Differences of ONNX Runtime's outputs from PyTorch's: max abs diff
    of heat maps and scores; masks and decisions that differ, and of those
    the ones PyTorch puts within ``tolerance`` of their threshold
    (borderline: any float32 difference may flip them)."""
    heat, probs = ref['heat_map'], ref['probabilities']
    if point['pixel_threshold'] is not None:
        near = np.abs(heat - point['pixel_threshold']) <= tolerance
        if probs.shape[1] > 2:  # which defect class
            top = np.sort(probs[:, 1:], axis=1)
            near |= top[:, -1] - top[:, -2] <= tolerance
    elif probs.shape[1] == 1:
        near = np.abs(heat - 0.5) <= tolerance
    else:
        top = np.sort(probs, axis=1)
        near = top[:, -1] - top[:, -2] <= tolerance
    pixels = ours['mask'] != ref['mask']
    images = ours['decision'] != ref['decision']
    near_score = np.abs(ref['score'] - point['image_threshold']) <= tolerance
    return dict(
        heat_map=float(np.abs(ours['heat_map'] - heat).max()),
        score=float(np.abs(ours['score'] - ref['score']).max()),
        mask_pixels=int(pixels.sum()),
        mask_pixels_not_borderline=int((pixels & ~near).sum()),
        decisions=int(images.sum()),
        decisions_not_borderline=int((images & ~near_score).sum()))


def random_images(rng: np.random.Generator, count: int, shape: Sequence[int],
                  names: List[str], channels: int) -> List[List[np.ndarray]]:
    """Random uint8 images, a template and a sample that differs from it
    in a patch (paired models), ``count`` of each input."""
    images = []
    for _ in names:
        images.append([
            rng.integers(0, 256, (*shape, channels), dtype=np.uint8)
            for _ in range(count)
        ])
    if len(names) == 2:
        for sample, template in zip(*images):
            sample[:] = template
            h, w = shape[0] // 4, shape[1] // 4
            sample[h:2 * h, w:2 * w] = 255
    return images


def verify(path: str, inferencer: DefectInferencer, names: List[str],
           channels: int, shape: Tuple[int, int], dynamic_size: bool,
           point: dict, args) -> List[Tuple[str, dict]]:
    import onnxruntime as ort
    options = ort.SessionOptions()
    # A run that fails raises; ONNX Runtime's own log of it would only
    # repeat the message before the next variant is tried.
    options.log_severity_level = 4
    session = ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(0)
    checks = [(f'random batch 2 of {shape[0]}x{shape[1]}',
               random_images(rng, 2, shape, names, channels))]
    if dynamic_size:  # a size of another remainder to the divisor
        other = (shape[0] + 24, shape[1] + 40)
        checks.insert(0, (f'random batch 1 of {other[0]}x{other[1]}',
                          random_images(rng, 1, other, names, channels)))
    if args.verify_pair:
        from mmdefect.datasets.transforms import read_image
        checks.append(('images ' + ' '.join(args.verify_pair),
                       [[read_image(p)] for p in args.verify_pair]))
    results = []
    for name, images in checks:
        feeds = {n: np.stack(i) for n, i in zip(names, images)}
        ours = dict(zip(OUTPUTS, session.run(list(OUTPUTS), feeds)))
        results.append((name,
                        compare(ours, torch_predictions(inferencer, images),
                                point, args.tolerance)))
    return results


class VerificationError(RuntimeError):
    """ONNX Runtime's output differs from PyTorch's beyond the tolerance."""


def failures(diffs: dict, tolerance: float) -> List[str]:
    bad = [
        f'{key} differs by {diffs[key]:.3g}' for key in ('heat_map', 'score')
        if diffs[key] > tolerance
    ]
    bad += [
        f'{diffs[key]} {key.split("_not")[0]} differ away from the threshold'
        for key in ('mask_pixels_not_borderline', 'decisions_not_borderline')
        if diffs[key]
    ]
    return bad


def export_verified(inferencer: DefectInferencer, staging: str,
                    shape: Tuple[int, int], variant: tuple, point: dict,
                    args) -> None:
    """Export one of :data:`VARIANTS` into ``staging`` and verify; raise
    on a difference."""
    name, dynamic_size, shape_inference = variant
    names = input_names(inferencer.paired)
    channels = inferencer.model.data_preprocessor.channels
    graph = DecisionGraph(
        inferencer.model, **point, fixed_size=None if dynamic_size else shape)
    start = time.perf_counter()
    export(graph, names, shape, channels, staging, args.opset, dynamic_size,
           shape_inference)
    print(f'exported in {time.perf_counter() - start:.1f} s (opset '
          f'{args.opset}, inputs {names}, {name})')
    failed = []
    for name, diffs in verify(staging, inferencer, names, channels, shape,
                              dynamic_size, point, args):
        bad = failures(diffs, args.tolerance)
        print(f"{name}: heat map {diffs['heat_map']:.3g}, score "
              f"{diffs['score']:.3g}, masks {diffs['mask_pixels']} px "
              f"({diffs['mask_pixels_not_borderline']} not borderline), "
              f"decisions {diffs['decisions']} "
              f"({'ok' if not bad else 'FAIL: ' + '; '.join(bad)})")
        if bad:
            failed.append(name)
    if failed:
        raise VerificationError(', '.join(failed))


def main(argv=None) -> int:
    args = parse_args(argv)
    inferencer = DefectInferencer(
        args.config, args.checkpoint, device='cpu', threshold=args.threshold)
    if args.verify_pair and len(args.verify_pair) != len(
            input_names(inferencer.paired)):
        raise SystemExit(
            '--verify-pair needs '
            f'{"SAMPLE TEMPLATE" if inferencer.paired else "SAMPLE"} for '
            f'this model, got {len(args.verify_pair)} path(s)')
    model = inferencer.model
    test_mode = (model.test_cfg or {}).get('mode', 'whole')
    if test_mode != 'whole':
        raise SystemExit(f'the config infers in {test_mode!r} mode; the '
                         'export covers whole-image inference only')
    resizing = [
        t['type'] for t in inferencer.cfg.test_dataloader.dataset.pipeline
        if t['type'] not in PIPELINE_IN_GRAPH
    ]
    if resizing:
        print(f'note: the test pipeline\'s {resizing} are not in the graph; '
              'the graph takes images as they come out of it (e.g. at a '
              'Resize\'s scale), which the verification at --shape checks')
    point, source = operating_point(model, args.checkpoint, args.threshold)
    shape = tuple(args.shape)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    print(f'operating point: {source}; pixel threshold '
          f"{point['pixel_threshold']}, image threshold "
          f"{point['image_threshold']}")
    try:
        with staged_output(args.out, overwrite=True, is_dir=False) as tmp:
            variants = VARIANTS[-1:] if args.fixed_size else VARIANTS
            for variant in variants:
                try:
                    export_verified(inferencer, tmp, shape, variant, point,
                                    args)
                    break
                except Exception as err:
                    if variant == variants[-1]:
                        raise
                    print(f'{variant[0]} failed ({type(err).__name__}: '
                          f'{str(err).splitlines()[0][:300]})')
            dynamic_size = variant[1]
            add_metadata(
                tmp,
                metadata(inferencer, args.checkpoint, point, source,
                         None if dynamic_size else shape))
    except VerificationError as err:
        print(
            f'verification failed ({err}); {args.out} not written',
            file=sys.stderr)
        return 1
    except Exception as err:
        print(
            f'export failed: {type(err).__name__}: {err}; {args.out} not '
            'written',
            file=sys.stderr)
        return 1
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

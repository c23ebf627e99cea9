"""Export a segmentor's inference path to ONNX and verify it with onnxruntime.

The graph maps the NORMALISED input to class logits at the input
resolution, as ``segmentor.encode_decode`` computes them (backbone, neck,
decode head, resize; no auxiliary heads, heat maps or image score).
Preprocessing stays outside the graph, as in mmdeploy, because padding to
the model's ``size_divisor`` has to be done outside anyway:

* channel order RGB per image (cv2 images are BGR: swap them);
* ``x = (pixel - mean) / std`` with the data preprocessor's mean/std
  (ImageNet statistics for every mmdefect config);
* H and W multiples of ``size_divisor`` (32), padded with 0 after
  normalising, as ``DefectDataPreProcessor`` does;
* ``--inputs stacked``: one input ``input`` (N, 6, H, W), sample channels
  then template channels; ``--inputs two``: inputs ``sample`` and
  ``template``, each (N, 3, H, W); single-image models: ``image``
  (N, 3, H, W).
* output ``logits`` (N, C, H, W), before softmax (before sigmoid for a
  one-channel head).

These settings are also stored in the ONNX file's metadata
(``metadata_props``: mean, std, channel_order, size_divisor, inputs,
classes).

The batch axis is always dynamic.  ``--dynamic-hw`` also makes H and W
dynamic and checks a second size; with the default TorchScript exporter this
fails for MiT backbones (CADNet, SegFormer: ``nn.MultiheadAttention`` is
traced with fixed sequence lengths) and the file is not written.  The
dynamo exporter (``--exporter dynamo``, needs the ``onnxscript`` package and
opset >= 18) handles dynamic H/W for them, about 10x slower to export.

The file is written as ``<out>.partial-<pid>`` and renamed to ``<out>`` only
after onnxruntime reproduces PyTorch within ``--tolerance`` (max abs
difference of the logits) on random inputs of batch 1 and 2 and, with
``--verify-pair``, on a real image pair preprocessed as in testing.  On any
failure or interruption the staging file is removed and the exit status is 1.
"""
import argparse
import json
import os
import sys
import time
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mmdefect.apis import DefectInferencer
from mmdefect.utils import staged_output


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export a model to ONNX')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='input height and width of the export')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument(
        '--inputs',
        choices=['stacked', 'two'],
        default='stacked',
        help='paired models: one (N, 6, H, W) input or sample and template '
        'as two (N, 3, H, W) inputs')
    parser.add_argument(
        '--verify-pair',
        nargs='+',
        metavar='IMAGE',
        help='SAMPLE TEMPLATE (SAMPLE alone for single-image models) to '
        'verify on a real input')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-3,
        help='largest allowed max abs difference of the logits')
    parser.add_argument(
        '--dynamic-hw',
        action='store_true',
        help='make height and width dynamic too (verified at a second size)')
    parser.add_argument(
        '--exporter',
        choices=['torchscript', 'dynamo'],
        default='torchscript',
        help='torch.onnx exporter; dynamo needs onnxscript and opset >= 18')
    return parser.parse_args(argv)


class OnnxExportWrapper(nn.Module):
    """Normalised image(s) -> class logits (N, C, H, W): the segmentor's
    features and decode head, resized to the input as in ``encode_decode``.

    With two inputs the sample and template are stacked on channels inside
    the graph, so both export modes run the same segmentor code.  Heat maps
    and the image score of ``encode_decode`` are not exported.
    """

    def __init__(self, segmentor: nn.Module) -> None:
        super().__init__()
        self.segmentor = segmentor

    def forward(self,
                x: torch.Tensor,
                template: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x``: the stacked pair or the single image, or the sample when
        ``template`` is given."""
        if template is not None:
            x = torch.cat([x, template], dim=1)
        # A torch.Size img_shape makes the decode head resize to the input
        # size of this call, which the exporters keep symbolic.
        return self.segmentor.decode_head.predict(
            self.segmentor.extract_feat(x), [dict(img_shape=x.shape[2:])],
            self.segmentor.test_cfg)


def input_names(paired: bool, mode: str) -> List[str]:
    if not paired:
        if mode == 'two':
            raise SystemExit('--inputs two needs a paired model; this model '
                             'segments one image')
        return ['image']
    return ['sample', 'template'] if mode == 'two' else ['input']


def split_inputs(x: torch.Tensor, names: List[str]) -> Tuple[torch.Tensor]:
    """The stacked (N, C, H, W) tensor as the export's input tuple."""
    return tuple(x.chunk(len(names), dim=1))


def export(wrapper: nn.Module, example: Tuple[torch.Tensor], path: str,
           names: List[str], opset: int, dynamic_hw: bool,
           exporter: str) -> None:
    axes = [0, 2, 3] if dynamic_hw else [0]
    kwargs = dict(
        input_names=names, output_names=['logits'], opset_version=opset)
    if exporter == 'dynamo':
        try:
            import onnxscript  # noqa: F401
        except ImportError:
            raise ImportError('--exporter dynamo needs the onnxscript '
                              'package: pip install onnxscript') from None
        dim = torch.export.Dim.DYNAMIC
        shapes = {ax: dim for ax in axes}
        arg_names = ['x', 'template'][:len(example)]
        torch.onnx.export(
            wrapper,
            example,
            path,
            dynamo=True,
            external_data=False,
            dynamic_shapes={name: shapes
                            for name in arg_names},
            **kwargs)
    else:
        labels = dict(zip([0, 2, 3], ['batch', 'height', 'width']))
        shapes = {ax: labels[ax] for ax in axes}
        torch.onnx.export(
            wrapper,
            example,
            path,
            dynamo=False,
            dynamic_axes={name: shapes
                          for name in names + ['logits']},
            **kwargs)


def rounded(values: torch.Tensor) -> List[float]:
    return [round(float(v), 4) for v in values]


def add_metadata(path: str, model: nn.Module, mode: str) -> None:
    import onnx
    proto = onnx.load(path)
    pre = model.data_preprocessor
    props = dict(
        producer='mmdefect tools/deployment/export_onnx.py',
        inputs=mode,
        channel_order='RGB',
        mean=json.dumps(rounded(pre.image_mean) if pre.normalize else None),
        std=json.dumps(rounded(pre.image_std) if pre.normalize else None),
        size_divisor=json.dumps(
            pre.test_cfg.get('size_divisor') if pre.test_cfg else None),
        classes=json.dumps(list(model.dataset_meta['classes'])),
        output='logits (N, C, H, W), before softmax/sigmoid')
    onnx.helper.set_model_props(proto, props)
    onnx.save(proto, path)


def max_abs_diff(session, wrapper: nn.Module, names: List[str],
                 x: torch.Tensor) -> float:
    inputs = split_inputs(x, names)
    out = session.run(['logits'], {
        n: t.numpy()
        for n, t in zip(names, inputs)
    })[0]
    with torch.no_grad():
        ref = wrapper(*inputs).numpy()
    if out.shape != ref.shape:
        raise RuntimeError(f'ONNX output shape {out.shape} differs from '
                           f'PyTorch {ref.shape}')
    return float(np.abs(out - ref).max())


def real_input(inferencer: DefectInferencer, images: List[str],
               shape: Tuple[int, int], dynamic_hw: bool) -> torch.Tensor:
    """A real pair preprocessed as in testing, at the export size."""
    data = inferencer.prepare([images if len(images) == 2 else images[0]])
    with torch.no_grad():
        x = inferencer.model.data_preprocessor(data, False)['inputs']
    if not dynamic_hw and tuple(x.shape[2:]) != tuple(shape):
        x = F.interpolate(x, size=shape, mode='bilinear', align_corners=False)
    return x


def verify(path: str, inferencer: DefectInferencer, wrapper: nn.Module,
           names: List[str], channels: int, shape: Tuple[int, int],
           args) -> List[Tuple[str, float]]:
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    gen = torch.Generator().manual_seed(0)
    sizes = [(1, *shape), (2, *shape)]
    if args.dynamic_hw:  # first: the check most likely to fail
        sizes.insert(0, (2, shape[0] + 32, shape[1] + 64))
    checks = [(f'random {n}x{channels}x{h}x{w}',
               torch.randn(n, channels, h, w, generator=gen))
              for n, h, w in sizes]
    if args.verify_pair:
        checks.append(('pair ' + ' '.join(args.verify_pair),
                       real_input(inferencer, args.verify_pair, shape,
                                  args.dynamic_hw)))
    return [(name, max_abs_diff(session, wrapper, names, x))
            for name, x in checks]


class VerificationError(RuntimeError):
    """ONNX Runtime's output differs from PyTorch's beyond the tolerance."""


def main(argv=None) -> int:
    args = parse_args(argv)
    inferencer = DefectInferencer(args.config, args.checkpoint, device='cpu')
    model = inferencer.model
    paired = inferencer.paired
    names = input_names(paired, args.inputs)
    channels = 6 if paired else 3
    if args.verify_pair and len(args.verify_pair) != (2 if paired else 1):
        raise SystemExit(
            f'--verify-pair needs {"SAMPLE TEMPLATE" if paired else "SAMPLE"}'
            f' for this model, got {len(args.verify_pair)} path(s)')
    shape = tuple(args.shape)
    wrapper = OnnxExportWrapper(model).eval()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    example = split_inputs(torch.randn(1, channels, *shape), names)
    try:
        with staged_output(args.out, overwrite=True, is_dir=False) as tmp:
            start = time.perf_counter()
            with torch.no_grad():
                export(wrapper, example, tmp, names, args.opset,
                       args.dynamic_hw, args.exporter)
            add_metadata(tmp, model, args.inputs if paired else 'image')
            print(f'exported in {time.perf_counter() - start:.1f} s '
                  f'({args.exporter}, opset {args.opset}, inputs {names})')
            failed = []
            for name, diff in verify(tmp, inferencer, wrapper, names, channels,
                                     shape, args):
                ok = diff <= args.tolerance
                print(f'{name}: max abs diff {diff:.3g} '
                      f'({"ok" if ok else "FAIL"}, tolerance '
                      f'{args.tolerance:g})')
                if not ok:
                    failed.append(name)
            if failed:
                raise VerificationError(', '.join(failed))
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
        if args.dynamic_hw and args.exporter == 'torchscript':
            print(
                'hint: the TorchScript exporter fixes the sequence lengths '
                'of attention layers (MiT backbones); export without '
                '--dynamic-hw, or use --exporter dynamo --opset 18',
                file=sys.stderr)
        return 1
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

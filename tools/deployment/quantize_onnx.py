"""FP16 and INT8 variants of a decision exported by ``export_onnx.py``.

The variants keep the exported file's inputs and outputs (raw uint8 images
in; heat map, mask, score and decision out), its operating point and its
``mmdefect.*`` metadata, with ``mmdefect.precision`` added, so
``onnx_infer.py`` runs them unchanged.

* ``fp16``: every float initializer and operation in half precision
  (ONNX Runtime's converter, ``keep_io_types``: the float outputs stay
  float32; operations without a half kernel run in float32 behind casts).
  On a CPU this halves the file; speed depends on the CPU's half support.
* ``int8``: static quantization in the QDQ format (ONNX Runtime's
  ``quantize_static``): weights of convolutions and matrix products
  int8 per output channel, their inputs uint8 per tensor with ranges
  calibrated on real images (``--calibration``, e.g. the validation split;
  never the test split).  Only the compute-heavy operators
  (:data:`INT8_OPERATORS`) are quantized: the normalisation before the
  network and the probabilities, comparisons and pooling after it stay in
  float32, so the thresholds act on the same kind of score as in the
  float model.

A variant is written atomically and only after ONNX Runtime has loaded it
and run it on the first calibration (or a random) image.  How much either
changes the decisions is measured by ``benchmark_precision.py``.
"""
import argparse
import os.path as osp
import sys
import tempfile
from typing import Dict, Iterable, Iterator, List, Optional

import numpy as np
import onnx

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from onnx_infer import DefectOnnxModel, list_items  # noqa: E402

PRECISIONS = ('fp16', 'int8')
# Operators whose weights carry the cost of every mmdefect network.
INT8_OPERATORS = ('Conv', 'ConvTranspose', 'MatMul', 'Gemm')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='FP16 or INT8 variant of an exported mmdefect decision')
    parser.add_argument('model', help='.onnx file of export_onnx.py')
    parser.add_argument('precision', choices=PRECISIONS)
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--calibration',
        help='int8: images whose activation ranges set the quantization '
        '(a list file, .json annotation file or folder, as onnx_infer.py '
        'reads them), e.g. the validation split')
    parser.add_argument(
        '--calibration-images',
        type=int,
        default=32,
        help='int8: how many images of --calibration to use (the first, in '
        'the order listed)')
    return parser.parse_args(argv)


def feeds_of(model: DefectOnnxModel,
             items: Iterable[dict]) -> Iterator[Dict[str, np.ndarray]]:
    """Feeds of a batch of one for every item (``img_path``, with
    ``template_path`` for a paired model), read as ``onnx_infer.py``
    reads them."""
    for item in items:
        feeds = {
            model.inputs[0]:
            model.check(item['img_path'], model.read(item['img_path']))
        }
        if model.paired:
            if 'template_path' not in item:
                raise ValueError(f"{item['img_path']}: the model compares "
                                 'each sample with a template; none listed')
            feeds['template'] = model.check(item['template_path'],
                                            model.read(item['template_path']))
        yield feeds


def random_feeds(model: DefectOnnxModel, size=(64, 64)) -> dict:
    size = model.input_size or size
    rng = np.random.default_rng(0)
    return {
        name: rng.integers(0, 256, (1, *size, model.channels), np.uint8)
        for name in model.inputs
    }


def _keep_metadata(proto: onnx.ModelProto, source: onnx.ModelProto,
                   precision: str) -> None:
    props = {p.key: p.value for p in source.metadata_props}
    props['mmdefect.precision'] = f'"{precision}"'
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, props)


def to_fp16(source: str, out: str) -> None:
    """Write the half-precision variant of ``source`` to ``out``."""
    from onnxruntime.transformers.float16 import convert_float_to_float16
    proto = onnx.load(source)
    half = convert_float_to_float16(proto, keep_io_types=True)
    _keep_metadata(half, proto, 'fp16')
    onnx.save(half, out)


class _Reader:
    """``CalibrationDataReader`` protocol (``get_next``) over feeds."""

    def __init__(self, feeds: List[dict]) -> None:
        self.feeds = iter(feeds)

    def get_next(self) -> Optional[dict]:
        return next(self.feeds, None)


def to_int8(source: str, out: str, calibration: List[dict]) -> None:
    """Write the INT8 (QDQ) variant of ``source`` to ``out``, its
    activation ranges calibrated on ``calibration`` (feeds)."""
    from onnxruntime.quantization import (QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    if not calibration:
        raise ValueError('int8 quantization needs calibration images')
    with tempfile.TemporaryDirectory() as work:
        prepared = osp.join(work, 'prepared.onnx')
        # Shape inference and constant folding, as ONNX Runtime advises
        # before quantizing.
        quant_pre_process(source, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared,
            out,
            _Reader(calibration),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(INT8_OPERATORS),
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8)
    proto = onnx.load(out)
    _keep_metadata(proto, onnx.load(source), 'int8')
    onnx.save(proto, out)


def write_variant(source: str,
                  precision: str,
                  out: str,
                  calibration: Optional[List[dict]] = None) -> None:
    """The ``precision`` variant of ``source`` at ``out``, checked by a run
    of ONNX Runtime before it is moved into place."""
    from mmdefect.utils import staged_output
    model = DefectOnnxModel(source)  # names a file without metadata
    if precision == 'int8' and not calibration:
        raise ValueError('int8 needs --calibration images (e.g. the '
                         'validation split)')
    with staged_output(out, overwrite=True, is_dir=False) as tmp:
        if precision == 'fp16':
            to_fp16(source, tmp)
        else:
            to_int8(source, tmp, calibration)
        check = calibration[0] if calibration else random_feeds(model)
        variant = DefectOnnxModel(tmp, threads=1)
        outputs = variant(*(check[name] for name in variant.inputs))
        if not np.isfinite(outputs['heat_map']).all():
            raise ValueError(f'the {precision} variant of {source} gives '
                             'non-finite heat maps')


def main(argv=None) -> int:
    args = parse_args(argv)
    calibration = None
    if args.calibration:
        model = DefectOnnxModel(args.model)
        items = list_items(args.calibration, model.columns)
        if not items:
            raise SystemExit(f'{args.calibration}: no images listed')
        calibration = list(feeds_of(model, items[:args.calibration_images]))
    try:
        write_variant(args.model, args.precision, args.out, calibration)
    except (ValueError, FileNotFoundError) as err:
        print(f'{err}; {args.out} not written', file=sys.stderr)
        return 1
    size = osp.getsize(args.out) / osp.getsize(args.model)
    print(f'wrote {args.out} ({args.precision}, {size:.2f} x the size of '
          f'{args.model})')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Parameters and operation counts of any mmdefect/mmseg config.

Three counts are printed, because the papers' tables use different ones:

* ``conv+linear MACs``: multiply-accumulates of ``nn.Conv*``/``nn.Linear``
  modules (attention products, norms, activations, resizing and the
  functional q/k/v projections of ``nn.MultiheadAttention`` not counted), as
  mmcv's counter used by the papers' authors does.  CADNet's Table 3
  "GFLOPs" and LSA-Net's Table 6 (x2) follow this convention.  The count
  with the attention projections is printed too.
* ``thop convention``: 2 x the multiply-adds that thop 0.1.1 counts
  (transposed convs counted on their output, batch norm counted), BANet's
  Table II "GFLOPs" (``mmdefect.utils.count_thop_flops``).
* ``mmengine FLOPs``: mmengine's ``get_model_complexity_info`` (fvcore-style
  analysis; counts one multiply-add as one FLOP and includes some extra ops).

Paired models get a (1, 6, H, W) input (sample + template), single-image
models (1, 3, H, W).
"""
import argparse
import json

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmdefect  # noqa: F401
from mmdefect.utils import (count_conv_linear_macs, count_parameters,
                            count_thop_flops, input_channels, load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Count params and FLOPs')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='input size (default: 512 512)')
    parser.add_argument(
        '--no-mmengine',
        action='store_true',
        help="skip mmengine's counter (slow for large inputs)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='json file for the counts')
    return parser.parse_args()


def complexity(cfg: Config, shape, with_mmengine: bool = True) -> dict:
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).eval()
    channels = input_channels(cfg)
    inputs = torch.randn(1, channels, *shape)
    result = dict(
        count_parameters(model, inputs),
        channels=channels,
        macs=count_conv_linear_macs(model, inputs),
        macs_attn=count_conv_linear_macs(
            model, inputs, attention_projections=True),
        thop_flops=count_thop_flops(model, inputs))
    if with_mmengine:
        from mmengine.analysis import get_model_complexity_info
        info = get_model_complexity_info(
            model, inputs=(inputs, ), show_table=False, show_arch=False)
        result['mmengine_flops'] = info['flops']
    return result


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    r = complexity(cfg, args.shape, not args.no_mmengine)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(r, shape=args.shape), f, indent=2)
    h, w = args.shape
    print(f'config: {args.config}')
    print(f'input: 1x{r["channels"]}x{h}x{w} '
          f'({"sample + template" if r["channels"] == 6 else "one image"})')
    print(f'params: {r["params"] / 1e6:.3f} M '
          f'(inference path: {r["params_inference"] / 1e6:.3f} M: '
          'without auxiliary heads and training-only branches)')
    print(f'conv+linear MACs: {r["macs"] / 1e9:.3f} G '
          '(= "GFLOPs" of CADNet Table 3; x2 for FLOPs as in LSA-Net)')
    print(f'  + attention q/k/v projections: {r["macs_attn"] / 1e9:.3f} G')
    print(f'thop convention: {r["thop_flops"] / 1e9:.3f} GFLOPs (2 x '
          'thop-0.1.1 MACs: transposed convs on their output, BN counted; '
          '= BANet Table II)')
    if 'mmengine_flops' in r:
        print(f'mmengine FLOPs: {r["mmengine_flops"] / 1e9:.3f} G '
              '(get_model_complexity_info)')


if __name__ == '__main__':
    main()

"""Parameter and operation counts in the conventions of the papers' tables."""
from typing import Dict

import torch
import torch.nn as nn
from mmengine.config import Config


def input_channels(cfg: Config) -> int:
    """Channels the model consumes: those of one image (the data
    preprocessor's ``channels``, 3 by default; 1 for grey datasets) times the
    images per sample (its ``num_images``: 2 for sample + template)."""
    preprocessor = cfg.model.get('data_preprocessor') or {}
    return preprocessor.get('channels', 3) * preprocessor.get('num_images', 1)


def run_inference_path(model: nn.Module, inputs: torch.Tensor, hooks=()):
    """One forward, in eval mode, through what inference runs:
    ``encode_decode`` of an mmseg segmentor (backbone, neck, decode head,
    the heads that export heat maps and an image-level decision head such as
    MFFPA's), else ``_forward``.  ``hooks`` (handles of forward hooks that
    count) are removed and the model's mode restored afterwards, whatever
    happens."""
    training = model.training
    model.eval()
    try:
        if not hasattr(model, 'encode_decode'):
            return model._forward(inputs)
        shape = tuple(inputs.shape[2:])
        metas = [
            dict(img_shape=shape, ori_shape=shape, pad_shape=shape)
            for _ in range(inputs.shape[0])
        ]
        return model.encode_decode(inputs, metas)
    finally:
        model.train(training)
        for h in hooks:
            h.remove()


@torch.no_grad()
def count_parameters(model: nn.Module,
                     inputs: torch.Tensor = None) -> Dict[str, int]:
    """Total parameters and those of the inference path.

    The inference path is that of :func:`run_inference_path` in eval mode:
    parameters of modules that do not run there (loss-only auxiliary heads,
    training-only branches such as BANet's deep supervision) are left out.
    Without ``inputs`` only the auxiliary heads are left out.
    """
    total = sum(p.numel() for p in model.parameters())
    if inputs is None:
        aux = getattr(model, 'auxiliary_head', None)
        aux_params = sum(p.numel() for p in aux.parameters()) if aux else 0
        return dict(params=total, params_inference=total - aux_params)
    ran = set()
    handles = [
        m.register_forward_hook(lambda m, i, o: ran.add(m))
        for m in model.modules()
    ]
    run_inference_path(model, inputs, handles)
    used = sum(p.numel() for m in ran for p in m.parameters(recurse=False))
    return dict(params=total, params_inference=used)


@torch.no_grad()
def count_conv_linear_macs(model: nn.Module,
                           inputs: torch.Tensor,
                           attention_projections: bool = False) -> int:
    """Multiply-accumulates of convolution and linear layers in one forward.

    This is how CADNet's Table 3 and LSA-Net's Table 6 count (mmcv's
    module-hook counter, used by the authors' mmseg-0.x code): ``nn.Conv*``
    and ``nn.Linear`` modules only; attention matrix products,
    normalisation, activations and interpolation are not counted, and
    neither are the q/k/v input projections of ``nn.MultiheadAttention``,
    which it computes functionally rather than through ``nn.Linear``
    submodules.  Stock SegFormer-B0 at 512x512 gives 6.33 G this way against
    the paper's 6.37 G; ``attention_projections=True`` adds the projections
    (6.58 G).

    The forward is :func:`run_inference_path` (backbone, neck, decode head,
    heat-map and decision heads): the inference path.
    """
    total = 0

    def conv_hook(module, inp, out):
        nonlocal total
        kernel = module.weight.shape[1] * module.weight[0, 0].numel()
        total += out.numel() * kernel

    def deconv_hook(module, inp, out):
        nonlocal total
        x = inp[0]
        total += x.numel() * module.weight[0].numel()

    def linear_hook(module, inp, out):
        nonlocal total
        total += out.numel() * module.in_features

    def attention_hook(module, args, kwargs, out):
        # nn.MultiheadAttention projects q/k/v with F.linear on its own
        # parameters (no nn.Linear submodule); its out_proj is hooked above.
        nonlocal total
        query = kwargs.get('query', args[0] if args else None)
        key = kwargs.get('key', args[1] if len(args) > 1 else query)
        if key is None:
            key = query
        embed = module.embed_dim
        total += query.numel() * embed
        total += 2 * key.numel() * embed

    handles = []
    for m in model.modules():
        if isinstance(m, nn.MultiheadAttention) and attention_projections:
            handles.append(
                m.register_forward_hook(attention_hook, with_kwargs=True))
        elif isinstance(m, nn.modules.conv._ConvTransposeNd):
            handles.append(m.register_forward_hook(deconv_hook))
        elif isinstance(m, nn.modules.conv._ConvNd):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    run_inference_path(model, inputs, handles)
    return total


@torch.no_grad()
def count_thop_flops(model: nn.Module, inputs: torch.Tensor) -> int:
    """FLOPs as BANet's Table II counts them: 2 x thop-0.1.1 MACs.

    thop's module rules: ``nn.Conv*`` *and*
    ``nn.ConvTranspose*`` count output elements x (C_in / groups) x kernel
    size (so a 2x2 stride-2 transposed conv counts 4 times its true
    multiply-adds), affine batch norm 4 x input elements, ``nn.Linear``
    in_features x output elements; activations, pooling, functional
    interpolation, ``grid_sample`` and element-wise operations count 0.  The
    total is doubled ("FLOPs" = 2 x MACs).  ResNet-34 + the U-Net decoder
    give 31.22 G (S1) and 40.52 G (S2) at 256 x 256 against the paper's
    31.30 / 40.60.  Runs :func:`run_inference_path` in eval mode.
    """
    total = 0

    def conv_hook(module, inp, out):
        nonlocal total
        total += out.numel() * (module.in_channels // module.groups) * \
            module.weight[0, 0].numel()

    def norm_hook(module, inp, out):
        nonlocal total
        total += (4 if module.affine else 2) * inp[0].numel()

    def linear_hook(module, inp, out):
        nonlocal total
        total += out.numel() * module.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.modules.conv._ConvNd):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            handles.append(m.register_forward_hook(norm_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    run_inference_path(model, inputs, handles)
    return 2 * total

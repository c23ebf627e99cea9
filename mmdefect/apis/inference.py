"""Inference on image pairs (sample + defect-free template) outside a Runner.

:func:`init_model` builds a segmentor from its config and checkpoint;
:func:`inference_pair` runs it on sample/template pairs (paths or BGR
arrays) in batches and returns, per pair, the class mask, the class
probabilities, an image-level defect score and the model's heat maps.
Single-image models (e.g. the SegFormer baseline) go through the same
functions without templates.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmseg.registry import DATASETS, MODELS
from torch import nn

from mmdefect.datasets.transforms.loading import read_image
from mmdefect.utils import input_channels

ImageInput = Union[str, Path, np.ndarray]

# Transforms replaced by in-memory loading: inference reads (or is given) the
# images itself and has no ground truth.
_LOADING = ('LoadImagePairFromFile', 'LoadImageFromFile',
            'LoadImageFromNDArray', 'LoadAnnotations', 'LoadDefectAnnotations')


@dataclass
class PairResult:
    """Prediction for one sample (and its template).

    Attributes:
        mask (np.ndarray): (H, W) uint8 class indices at the sample's size.
        probs (np.ndarray): (C, H, W) float32 class probabilities (softmax;
            for a one-channel sigmoid head, C = 1 and it is the defect
            probability).
        score (float): Image-level defect score; see :func:`inference_pair`.
        heat_maps (dict): Name -> (H, W) float32 map from the model's
            auxiliary heads (e.g. CADNet's DistMap); empty if none.
    """
    mask: np.ndarray
    probs: np.ndarray
    score: float
    heat_maps: Dict[str, np.ndarray] = field(default_factory=dict)


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a segmentor for inference from a config (and checkpoint).

    ``model.cfg`` keeps the config (its test pipeline drives
    :func:`inference_pair`) and ``model.dataset_meta`` the class names and
    palette: from the checkpoint's ``meta['dataset_meta']`` (written by the
    Runner) when present, otherwise the ``METAINFO`` of the test dataset's
    class.

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file; random weights if None.
        device (str): Device to put the model on.  Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a file name or a Config, got '
                        f'{type(config)}')
    else:
        config = config.copy()
    if cfg_options:
        config.merge_from_dict(cfg_options)
    config.model.train_cfg = None
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    dataset_meta = None
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        dataset_meta = ckpt.get('meta', {}).get('dataset_meta')
    model.dataset_meta = dataset_meta or _config_dataset_meta(
        config, model.decode_head.num_classes)
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def _config_dataset_meta(config: Config, num_classes: int) -> dict:
    """Classes and palette of the config's test dataset class."""
    dataset = config.get('test_dataloader', {}).get('dataset', {})
    metainfo = dict(dataset.get('metainfo') or {})
    if dataset.get('type'):
        default = DATASETS.get(dataset['type']).METAINFO
        metainfo = {**default, **metainfo}
    classes = tuple(metainfo.get('classes', ()))
    if len(classes) != num_classes:
        classes = tuple(f'class{i}' for i in range(num_classes))
        metainfo = {}
    palette = metainfo.get('palette')
    if not palette or len(palette) < num_classes:
        rng = np.random.default_rng(42)
        palette = [[0, 0, 0]] + rng.integers(
            64, 256, (num_classes - 1, 3)).tolist()
    return dict(classes=classes, palette=[list(p) for p in palette])


def is_paired(model: nn.Module) -> bool:
    """Whether the model compares a sample with a template (6 channels)."""
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError(
            'model has no cfg attribute; build it with mmdefect.apis.'
            'init_model, or set model.cfg to its config')
    return input_channels(cfg) == 6


def _test_pipeline(cfg: Config) -> Compose:
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return Compose([
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] not in _LOADING
    ])


def _load(item: ImageInput, role: str) -> tuple:
    """(BGR uint8 image, path or None) from a path or an array."""
    if isinstance(item, (str, Path)):
        return read_image(str(item)), str(item)
    if isinstance(item, np.ndarray):
        if item.ndim != 3 or item.shape[2] != 3 or item.dtype != np.uint8:
            raise ValueError(
                f'{role} array must be an H x W x 3 BGR uint8 image, got '
                f'shape {item.shape} and dtype {item.dtype}')
        return item, None
    raise TypeError(f'{role} must be a path or an H x W x 3 array, got '
                    f'{type(item)}')


def _describe(path: Optional[str], role: str) -> str:
    return f'{role} {path}' if path else f'{role} (array)'


def _pack(pipeline: Compose, sample: ImageInput,
          template: Optional[ImageInput]) -> dict:
    """Run one pair through the test pipeline after in-memory loading."""
    img, img_path = _load(sample, 'sample')
    results = dict(img_path=img_path)
    if template is not None:
        tmpl, tmpl_path = _load(template, 'template')
        if tmpl.shape != img.shape:
            raise ValueError(
                f'{_describe(img_path, "sample")} has shape {img.shape} '
                f'but {_describe(tmpl_path, "template")} has shape '
                f'{tmpl.shape}')
        img = np.concatenate([img, tmpl], axis=2)  # (H, W, 6)
        results['template_path'] = tmpl_path
    results.update(
        img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
        seg_fields=[])
    return pipeline(results)


def _as_pairs(model: nn.Module, sample, template) -> tuple:
    """Lists of samples and templates (None for single-image models)."""
    single = not isinstance(sample, (list, tuple))
    samples = [sample] if single else list(sample)
    paired = is_paired(model)
    if paired and template is None:
        raise ValueError(
            'this model compares each sample with a defect-free template '
            '(its test pipeline loads image pairs): give template')
    if not paired and template is not None:
        raise ValueError(
            'this model segments the sample alone (its test pipeline loads '
            'one image): give no template')
    if not paired:
        templates = [None] * len(samples)
    elif isinstance(template, (list, tuple)):
        if single or len(template) != len(samples):
            raise ValueError(
                f'got {len(samples)} sample(s) but {len(template)} '
                'templates; give one template per sample, or one template '
                'for all')
        templates = list(template)
    else:
        templates = [template] * len(samples)  # one template for all
    return single, samples, templates


def prepare_batch(model: nn.Module,
                  samples: Sequence[ImageInput],
                  templates: Optional[Sequence[ImageInput]] = None) -> dict:
    """Load, transform and collate pairs as :func:`inference_pair` does.

    Returns the collated data (``inputs`` list of uint8 tensors and
    ``data_samples``) to pass through ``model.data_preprocessor``.  All
    pairs must come out of the test pipeline with the same size.
    """
    pipeline = _test_pipeline(model.cfg)
    templates = templates if templates is not None else [None] * len(samples)
    return pseudo_collate(
        [_pack(pipeline, s, t) for s, t in zip(samples, templates)])


def inference_pair(model: nn.Module,
                   sample: Union[ImageInput, Sequence[ImageInput]],
                   template: Union[None, ImageInput,
                                   Sequence[ImageInput]] = None,
                   batch_size: int = 8
                   ) -> Union[PairResult, List[PairResult]]:
    """Segment defects in samples compared with their templates.

    The test pipeline of ``model.cfg`` (without its loading transforms) and
    the model's data preprocessor are applied as in ``tools/test.py``;
    results are at the sample's original size.

    The image-level ``score`` is the largest defect probability over all
    pixels and defect classes (classes >= 1, or the single sigmoid channel).
    A model that scores images itself (e.g. a classification branch, as in
    MFFPA) defines ``predict_score(inputs, data_samples) -> Tensor (N,)``,
    called on the preprocessed batch; its values are used instead.

    Heat maps come from auxiliary heads that have a ``predict`` method
    returning one channel (CADNet's ``DistanceContrastHead``: the DistMap,
    paper Eq. 7 and Fig. 7), named by the head's ``heat_map_name``
    attribute or else its class name in snake case without "Head".  They
    are computed from the same features as the prediction.

    Args:
        model (nn.Module): From :func:`init_model` (needs ``model.cfg``).
        sample: Image path or H x W x 3 BGR uint8 array, or a list of them.
        template: The same for the template(s): one per sample, or one
            template for all samples.  None for single-image models.
        batch_size (int): Pairs per forward pass.

    Returns:
        PairResult, or a list of them if ``sample`` is a list.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    single, samples, templates = _as_pairs(model, sample, template)
    pipeline = _test_pipeline(model.cfg)
    results: List[Optional[PairResult]] = [None] * len(samples)
    for start in range(0, len(samples), batch_size):
        packed = [
            _pack(pipeline, s, t)
            for s, t in zip(samples[start:start + batch_size],
                            templates[start:start + batch_size])
        ]
        # The data preprocessor stacks a test batch only if all its images
        # have one size: group by size, one forward per group.
        groups: Dict[tuple, List[int]] = {}
        for i, item in enumerate(packed):
            groups.setdefault(tuple(item['inputs'].shape), []).append(i)
        for indices in groups.values():
            outs = _forward(model,
                            pseudo_collate([packed[i] for i in indices]))
            for i, out in zip(indices, outs):
                results[start + i] = out
    return results[0] if single else results


@torch.no_grad()
def _forward(model: nn.Module, data: dict) -> List[PairResult]:
    data = model.data_preprocessor(data, False)
    inputs, data_samples = data['inputs'], data['data_samples']
    heads = _heat_map_heads(model)
    with _FeatureCapture(model, enabled=bool(heads)) as capture:
        data_samples = model.predict(inputs, data_samples)
    heat_maps = {}
    if heads:
        feats = capture.features
        if feats is None:  # e.g. slide inference: one call per window
            feats = model.extract_feat(inputs)
        metas = [ds.metainfo for ds in data_samples]
        for name, head in heads.items():
            maps = head.predict(feats, metas, model.test_cfg)
            if maps.dim() == 4 and maps.shape[1] == 1:
                heat_maps[name] = _to_original_size(
                    maps, metas, getattr(model, 'align_corners', False))
    if hasattr(model, 'predict_score'):
        scores = model.predict_score(inputs, data_samples).flatten()
    else:
        scores = None
    outs = []
    for i, ds in enumerate(data_samples):
        logits = ds.seg_logits.data.float()
        if logits.shape[0] == 1:
            probs = logits  # mmseg already applied the sigmoid
            defect = probs
        else:
            probs = logits.softmax(dim=0)
            defect = probs[1:]
        score = (float(scores[i]) if scores is not None else
                 float(defect.max()))
        outs.append(
            PairResult(
                mask=ds.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8),
                probs=probs.cpu().numpy().astype(np.float32),
                score=score,
                heat_maps={
                    name: maps[i].cpu().numpy()
                    for name, maps in heat_maps.items()
                }))
    return outs


def _heat_map_heads(model: nn.Module) -> Dict[str, nn.Module]:
    """Auxiliary heads with a ``predict`` method, by heat-map name."""
    aux = getattr(model, 'auxiliary_head', None)
    if aux is None:
        return {}
    heads = list(aux) if isinstance(aux, nn.ModuleList) else [aux]
    named = {}
    for head in heads:
        if not callable(getattr(head, 'predict', None)):
            continue
        name = getattr(head, 'heat_map_name', None)
        if name is None:
            stem = re.sub(r'Head$', '', type(head).__name__)
            name = re.sub(r'(?<!^)(?=[A-Z])', '_', stem).lower()
        if name in named:
            name = f'{name}_{len(named)}'
        named[name] = head
    return named


class _FeatureCapture:
    """Keeps the output of ``model.extract_feat`` during one prediction.

    Wraps the bound method on the instance for the duration of the block,
    so heat maps reuse the features of the forward pass instead of running
    the backbone again.  If ``extract_feat`` ran more than once (slide
    inference), ``features`` is None.
    """

    def __init__(self, model: nn.Module, enabled: bool = True) -> None:
        self.model = model
        self.enabled = enabled
        self.features = None
        self.calls = 0

    def __enter__(self) -> '_FeatureCapture':
        if self.enabled:
            extract_feat = self.model.extract_feat

            def capturing(inputs):
                feats = extract_feat(inputs)
                self.calls += 1
                self.features = feats
                return feats

            self.model.extract_feat = capturing
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            del self.model.extract_feat  # the class's method again
            if self.calls != 1:
                self.features = None


def _to_original_size(maps: torch.Tensor, metas: List[dict],
                      align_corners: bool) -> List[torch.Tensor]:
    """Per image (H, W) maps: padding removed, flip undone, resized to
    ``ori_shape``, as ``BaseSegmentor.postprocess_result`` treats logits."""
    out = []
    height, width = maps.shape[2:]
    for i, meta in enumerate(metas):
        left, right, top, bottom = meta.get(
            'img_padding_size', meta.get('padding_size', [0] * 4))
        m = maps[i:i + 1, :, top:height - bottom, left:width - right]
        if meta.get('flip'):
            m = m.flip(dims=(3, ) if meta.get('flip_direction') ==
                       'horizontal' else (2, ))
        m = F.interpolate(
            m, size=tuple(meta['ori_shape'][:2]), mode='bilinear',
            align_corners=align_corners)
        out.append(m[0, 0].float())
    return out

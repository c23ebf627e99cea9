"""``init_model`` / ``inference_pair``: the short form of
:class:`DefectInferencer` for scripts.

The caller holds the state: ``init_model`` returns the model (mmseg's
``init_model``), ``DefectInferencer(model)`` wraps it once with its test
pipeline and visualizer, and ``inference_pair`` runs that inferencer.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.config import Config
from torch import nn

from mmdefect.models.segmentors import heat_maps
from mmdefect.utils import setup_runtime
from .defect_inferencer import (DefectInferencer, build_model, load_config,
                                probabilities)

ImageInput = Union[str, Path, np.ndarray]


@dataclass
class PairResult:
    """Prediction for one sample (and its template), at the sample's size.

    Attributes:
        mask (np.ndarray): (H, W) uint8 class indices.
        probs (np.ndarray): (C, H, W) float32 class probabilities (softmax;
            for a one-channel sigmoid head, C = 1 and it is the defect
            probability).
        score (float): Image-level defect probability (``pred_score``: the
            model's decision head, else the largest defect probability).
        label (int): The decision at the model's operating point: 1
            defective, 0 good (``pred_label``).
        heat_maps (dict): Name -> (H, W) float32 map the model's heads
            declare (e.g. ``distance_map``, CADNet's DistMap); empty if none.
    """
    mask: np.ndarray
    probs: np.ndarray
    score: float
    label: int
    heat_maps: Dict[str, np.ndarray] = field(default_factory=dict)


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a model for inference from a config (and checkpoint).

    ``model.cfg`` keeps the config and ``model.dataset_meta`` the class
    names and palette (the checkpoint's, else the test dataset class's).
    Calls :func:`~mmdefect.utils.setup_runtime`.
    """
    setup_runtime()
    return build_model(load_config(config, cfg_options), checkpoint, device)


def inference_pair(inferencer: DefectInferencer,
                   sample: Union[ImageInput, Sequence[ImageInput]],
                   template: Union[None, ImageInput,
                                   Sequence[ImageInput]] = None,
                   batch_size: int = 8) -> Union[PairResult, List[PairResult]]:
    """Segment defects in samples compared with their templates.

    Args:
        inferencer (DefectInferencer): Built once by the caller, from a
            config and checkpoint or from a model of :func:`init_model`.
        sample: Image path or H x W x 3 BGR uint8 array, or a list of them.
        template: The same for the template(s): one per sample, or one
            template for all samples.  None for single-image models.
        batch_size (int): Images per forward pass.

    Returns:
        PairResult, or a list of them if ``sample`` is a list.
    """
    if not isinstance(inferencer, DefectInferencer):
        raise TypeError(
            'inference_pair runs a DefectInferencer, got '
            f'{type(inferencer).__name__}; build one once and keep it: '
            'DefectInferencer(config, checkpoint) or DefectInferencer(model)')
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    single = not isinstance(sample, (list, tuple))
    samples = [sample] if single else list(sample)
    if template is None:
        inputs = samples
    elif isinstance(template, (list, tuple)):
        if single or len(template) != len(samples):
            raise ValueError(
                f'got {len(samples)} sample(s) but {len(template)} '
                'templates; give one template per sample, or one template '
                'for all')
        inputs = [[s, t] for s, t in zip(samples, template)]
    else:
        inputs = [[s, template] for s in samples]
    preds = inferencer(
        inputs, batch_size=batch_size, return_datasamples=True)['predictions']
    results = [
        PairResult(
            mask=pred.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8),
            probs=probabilities(pred).cpu().numpy().astype(np.float32),
            score=float(pred.pred_score),
            label=int(pred.pred_label),
            heat_maps={
                name: values.cpu().numpy().astype(np.float32)
                for name, values in heat_maps(pred).items()
            }) for pred in preds
    ]
    return results[0] if single else results

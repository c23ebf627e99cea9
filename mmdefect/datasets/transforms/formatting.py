"""Packing of every defect target into a ``SegDataSample``."""
import inspect
from typing import Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from .loading import IGNORE_INDEX
from .registration import REGISTRATION_META_KEYS

#: mmseg's meta keys (the default of ``PackSegInputs``), the template's
#: path and what ``RegisterTemplate`` adds.
META_KEYS = (*inspect.signature(PackSegInputs).parameters['meta_keys'].default,
             'template_path', *REGISTRATION_META_KEYS)


@TRANSFORMS.register_module()
class PackDefectInputs(PackSegInputs):
    """mmseg ``PackSegInputs`` that packs every target a defect model uses.

    Besides the image and ``gt_sem_seg`` (mmseg's packing):

    * ``gt_label``: 0-dim int64 tensor, 1 for a defective image.  Where the
      sample has a mask with valid pixels, the label is whether they hold a
      defect after the geometric transforms (a crop may cut a defect out);
      an image-level label from the dataset is used for samples whose mask
      is entirely ignored (mixed supervision).  Absent when the sample has
      neither (plain inference).
    * every ``gt_<name>_map`` of the results (``gt_edge_map``, a location
      map, soft targets, ...) as ``PixelData`` (1, H, W): integer maps as
      int64, like labels, floating-point maps as float32.
    * the meta keys ``meta_keys`` lists, by default mmseg's,
      ``template_path`` and the registration's (``registration``,
      ``template_valid``, where ``RegisterTemplate`` ran); a dataset
      whose samples carry more (SynOCD's recorded ``pose``) lists them in
      its config.

    Args:
        meta_keys (Sequence[str]): Keys of the results packed as meta data.
    """

    def __init__(self, meta_keys: Sequence[str] = META_KEYS) -> None:
        super().__init__(meta_keys=tuple(meta_keys))

    def transform(self, results: dict) -> dict:
        # mmseg casts gt_edge_map to int64 itself; it is re-packed below with
        # the other maps, so that float maps keep their values.
        maps = {
            key: value
            for key, value in results.items() if key.startswith('gt_')
            and key.endswith('_map') and key != 'gt_seg_map'
        }
        packed = super().transform({
            k: v
            for k, v in results.items() if k not in maps
        })
        sample = packed['data_samples']
        for key, value in maps.items():
            value = np.asarray(value)
            value = (
                value.astype(np.float32) if np.issubdtype(
                    value.dtype, np.floating) else value.astype(np.int64))
            sample.set_field(
                PixelData(
                    data=torch.from_numpy(np.ascontiguousarray(value[None]))),
                key)
        label = image_label(results)
        if label is not None:
            sample.set_field(torch.tensor(label, dtype=torch.long), 'gt_label')
        return packed


def image_label(results: dict):
    """1/0 from the mask's valid pixels, else the dataset's image label."""
    mask = results.get('gt_seg_map')
    if mask is not None:
        valid = mask != IGNORE_INDEX
        if valid.any():
            return int((mask[valid] > 0).any())
    label = results.get('gt_label')
    return None if label is None else int(label)

"""Loading of image pairs and validated defect masks.

The sample and its template travel through the pipeline as ONE array of
``2 x 3`` channels (sample first).  Every geometric transform of mmseg/mmcv
(``RandomResize``, ``RandomCrop``, ``RandomFlip``, ``RandomRotate``)
therefore draws its random parameters once and applies them to sample,
template and mask alike: the pair cannot go out of alignment.  Photometric
transforms are applied per image with :class:`PerImageTransform`.  Padding
belongs to the data preprocessor (mmcv's ``Pad`` cannot fill more than 4
channels with OpenCV).
"""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


def read_image(path: str, color_type: str = 'color',
               backend: str = 'cv2', backend_args: Optional[dict] = None):
    """Read an image, raising an error that names the file on failure."""
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(f'image {path} not found') from None
    try:
        img = mmcv.imfrombytes(data, flag=color_type, backend=backend)
    except Exception as err:  # decoders raise many different types
        raise ValueError(f'image {path} cannot be decoded: {err}') from err
    if img is None or img.size == 0:
        raise ValueError(f'image {path} cannot be decoded (corrupt or not an '
                         'image file)')
    return img


@TRANSFORMS.register_module()
class LoadImagePairFromFile(BaseTransform):
    """Load ``img_path`` (sample) and ``template_path`` into one array.

    Required keys: ``img_path``, ``template_path``.
    Added/modified keys: ``img`` (H, W, 6) sample channels then template
    channels, ``img_shape``, ``ori_shape``.

    Args:
        to_float32 (bool): Convert to float32.  Defaults to False.
        color_type (str): ``flag`` of :func:`mmcv.imfrombytes`.
        imdecode_backend (str): Decoder backend.  Defaults to 'cv2'.
        backend_args (dict, optional): File backend arguments.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        sample_path = results['img_path']
        template_path = results.get('template_path')
        if template_path is None:
            raise KeyError(
                f'sample {sample_path} has no template: the dataset must '
                'list a template for every sample of a paired model')
        sample, template = (
            read_image(p, self.color_type, self.imdecode_backend,
                       self.backend_args)
            for p in (sample_path, template_path))
        if sample.shape != template.shape:
            raise ValueError(
                f'sample {sample_path} has shape {sample.shape} but its '
                f'template {template_path} has shape {template.shape}')
        img = np.concatenate([sample[..., None] if sample.ndim == 2 else
                              sample, template[..., None]
                              if template.ndim == 2 else template], axis=2)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(to_float32={self.to_float32}, '
                f"color_type='{self.color_type}', "
                f"imdecode_backend='{self.imdecode_backend}')")


@TRANSFORMS.register_module()
class LoadDefectAnnotations(LoadAnnotations):
    """mmseg ``LoadAnnotations`` that maps raw mask values and validates them.

    Reads from the data info (set by :class:`PairedDefectDataset`):
    ``mask_value_map`` (raw value -> class), ``num_classes`` and
    ``allow_ignore_index``.  After the mapping every value must be a class
    index, or the ignore index (255) where the dataset allows it; anything
    else raises an error naming the mask file and the offending values.  The
    mask must have the size of the image as loaded (``ori_shape``).
    """

    ignore_index = 255

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        mask = read_image(path, 'unchanged', self.imdecode_backend,
                          self.backend_args)
        if mask.ndim == 3:
            raise ValueError(
                f'mask {path} has {mask.shape[2]} channels; expected a '
                'single-channel image of class indices')
        mask = mask.astype(np.uint8)
        value_map = results.get('mask_value_map') or {}
        if value_map:
            raw = mask.copy()
            for src, dst in value_map.items():
                mask[raw == src] = dst
        self._check_values(mask, path, results, bool(value_map))
        if results.get('reduce_zero_label'):
            mask[mask == 0] = 255
            mask = mask - 1
            mask[mask == 254] = 255
        if results.get('label_map') is not None:
            raw = mask.copy()
            for old_id, new_id in results['label_map'].items():
                mask[raw == old_id] = new_id
        # Compared with the loaded size: test pipelines resize the image
        # before loading the mask, which is evaluated at the original size.
        if 'ori_shape' in results and mask.shape != tuple(
                results['ori_shape'][:2]):
            raise ValueError(
                f'mask {path} has size {mask.shape} but image '
                f"{results['img_path']} has size "
                f"{tuple(results['ori_shape'][:2])}")
        results['gt_seg_map'] = mask
        results['seg_fields'].append('gt_seg_map')

    def _check_values(self, mask: np.ndarray, path: str, results: dict,
                      mapped: bool) -> None:
        num_classes = results.get('num_classes')
        if num_classes is None:
            return
        values = np.unique(mask)
        allowed = set(range(num_classes))
        if results.get('allow_ignore_index', False):
            allowed.add(self.ignore_index)
        bad = [int(v) for v in values if int(v) not in allowed]
        if not bad:
            return
        hint = ''
        if self.ignore_index in bad and not mapped:
            hint = (' Masks stored as 0/255 need mask_value_map={255: 1} in '
                    'the dataset config; if 255 marks pixels to ignore, set '
                    'allow_ignore_index=True.')
        raise ValueError(
            f'mask {path} contains values {bad} outside the '
            f'{num_classes} classes (0..{num_classes - 1}).{hint}')

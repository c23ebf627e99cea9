"""Loading of defect images (sample, template) and validated annotations.

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

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

#: Mask value of pixels that losses and metrics leave out (mmseg's default).
IGNORE_INDEX = 255

#: OpenCV flags of the colour types that read 8- and 16-bit images alike.
ANY_DEPTH_FLAGS = {
    'color': cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH,
    'grayscale': cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH,
}


def read_image(path: str,
               color_type: str = 'color',
               backend: str = 'cv2',
               backend_args: Optional[dict] = None):
    """Read an image, raising an error that names the file on failure.

    As ``'color'`` or ``'grayscale'`` an image is read as uint8 whatever
    its bit depth: a 16-bit one (PNG, TIFF) is brought to the 8-bit range by
    :func:`to_uint8`, so that a model, its augmentations, its panels and its
    ONNX graph all see the 8-bit pixels they are written for.  Other colour
    types (``'unchanged'`` for masks) keep what the file holds.
    """
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(f'image {path} not found') from None
    flag = ANY_DEPTH_FLAGS.get(color_type, color_type) \
        if backend == 'cv2' else color_type
    try:
        img = mmcv.imfrombytes(data, flag=flag, backend=backend)
    except Exception as err:  # decoders raise many different types
        raise ValueError(f'image {path} cannot be decoded: {err}') from err
    if img is None or img.size == 0:
        raise ValueError(f'image {path} cannot be decoded (corrupt or not an '
                         'image file)')
    if color_type in ANY_DEPTH_FLAGS:
        img = to_uint8(img, path)
    return img


def to_uint8(img: np.ndarray, path: str = '(array)') -> np.ndarray:
    """An 8- or 16-bit image as uint8: 16-bit values divided by 257 and
    rounded, which maps 0..65535 onto 0..255 and a 16-bit image written as
    ``v * 257`` (the usual widening of 8-bit data) back to exactly ``v``.

    Data using fewer than 16 bits (a 12-bit sensor stored in 16) comes out
    dark; scale it to the full range when converting it.
    """
    if img.dtype == np.uint8:
        return img
    if img.dtype != np.uint16:
        raise ValueError(f'image {path} has {img.dtype} pixels; expected 8- '
                         'or 16-bit unsigned integers')
    return ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _check_array(img: np.ndarray, role: str, color_type: str) -> np.ndarray:
    """An image given in memory as the loader would read it from a file."""
    channels = 1 if color_type == 'grayscale' else 3
    if isinstance(img, np.ndarray) and img.ndim == 2 and channels == 1:
        img = img[..., None]
    if not (isinstance(img, np.ndarray) and img.ndim == 3 and img.shape[2]
            == channels and img.dtype in (np.uint8, np.uint16)):
        layout = 'BGR' if channels == 3 else 'grey'
        raise ValueError(
            f'{role} array must be an H x W x {channels} {layout} uint8 (or '
            f'uint16) image, got {getattr(img, "shape", type(img))} of '
            f'{getattr(img, "dtype", "")}')
    return to_uint8(img, f'{role} array')


@TRANSFORMS.register_module()
class LoadDefectImages(BaseTransform):
    """Load the sample and, where the data info lists one, its template.

    Required keys: ``img_path`` (or ``img``, an H x W x 3 BGR array, H x W x
    1 for grey, given in memory, as the inferencer does).
    Optional keys: ``template_path`` (or ``template``, an array).
    Added/modified keys: ``img`` (H, W, 3), or (H, W, 6) with the sample
    channels first, ``img_shape``, ``ori_shape``.

    Whether a model uses the template is the model's business (its
    ``DefectDataPreProcessor.num_images``), so paired and single-image models
    share every dataset config.

    Args:
        to_float32 (bool): Convert to float32.  Defaults to False.
        color_type (str): 'color' (3 channels, BGR) or 'grayscale' (1
            channel); set from the config's ``color_type`` by
            :func:`mmdefect.utils.apply_color_type`.  8- and 16-bit files
            load alike (see :func:`read_image`).  Defaults to 'color'.
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

    def _read(self, path: str) -> np.ndarray:
        img = read_image(path, self.color_type, self.imdecode_backend,
                         self.backend_args)
        return img[..., None] if img.ndim == 2 else img

    def transform(self, results: dict) -> dict:
        sample_path = results.get('img_path')
        if 'img' in results:
            img = _check_array(results['img'], 'sample', self.color_type)
        else:
            img = self._read(sample_path)
        template_path = results.get('template_path')
        template = results.pop('template', None)
        if template is not None:
            template = _check_array(template, 'template', self.color_type)
        elif template_path is not None:
            template = self._read(template_path)
        if template is not None:
            if template.shape != img.shape:
                raise ValueError(
                    f'sample {sample_path or "(array)"} has shape '
                    f'{img.shape} but its template '
                    f'{template_path or "(array)"} has shape '
                    f'{template.shape}')
            img = np.concatenate([img, template], axis=2)
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
    """mmseg ``LoadAnnotations`` for defect data: masks mapped and
    validated, image-level labels, label-only samples.

    Reads from the data info (set by
    :class:`~mmdefect.datasets.DefectDataset`): ``seg_map_path``,
    ``gt_label``, ``mask_value_map`` (raw value -> class),
    ``allow_ignore_index`` and ``num_classes``.

    * A mask is mapped, then every value must be a class index, or the
      ignore index (255) where the dataset allows it.  A 255 is refused even
      where the dataset does not say how many classes it has (any mmseg
      dataset), since a 0/255 mask read as is turns the defect class into
      the ignore index; the error names the file and the cure.  The mask
      must have the size of the image as loaded (``ori_shape``).
    * A defect-free sample (label 0) without a mask gets a mask of zeros,
      which is exact: pixel losses learn "no defect" from it (SegDecNet's
      negatives always train the segmentation).
    * A defective sample (label 1) without a mask (mixed supervision) gets
      a mask of the ignore index: pixel losses and IoU skip it.
    * A sample with both must agree: label 1 if and only if the mask holds
      a defect pixel.
    * A sample with neither is an error naming it.

    ``gt_label`` is left in the results for ``PackDefectInputs``, which
    derives the label from the (transformed) mask where there is one.
    """

    ignore_index = IGNORE_INDEX

    def transform(self, results: dict) -> dict:
        has_mask = results.get('seg_map_path') is not None
        label = results.get('gt_label')
        if not has_mask and label is None:
            raise ValueError(
                f"sample {results.get('img_path')} has neither a mask nor an "
                'image-level label to train or evaluate on')
        if has_mask:
            self._load_seg_map(results)
            if label is not None:
                mask = results['gt_seg_map']
                defective = bool(((mask > 0) & (mask != IGNORE_INDEX)).any())
                if defective != bool(label):
                    raise ValueError(
                        f"sample {results.get('img_path')} has image label "
                        f'{label} but its mask {results["seg_map_path"]} '
                        f'{"holds" if defective else "holds no"} defect '
                        'pixels')
        else:
            results['gt_seg_map'] = np.full(results['ori_shape'][:2],
                                            self.ignore_index if label else 0,
                                            np.uint8)
            results['seg_fields'].append('gt_seg_map')
        return results

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
            raise ValueError(f'mask {path} has size {mask.shape} but image '
                             f"{results['img_path']} has size "
                             f"{tuple(results['ori_shape'][:2])}")
        results['gt_seg_map'] = mask
        results['seg_fields'].append('gt_seg_map')

    def _check_values(self, mask: np.ndarray, path: str, results: dict,
                      mapped: bool) -> None:
        values = [int(v) for v in np.unique(mask)]
        num_classes = results.get('num_classes')
        allow_ignore = results.get('allow_ignore_index', False)
        if num_classes is None:
            bad = [] if allow_ignore else [
                v for v in values if v == self.ignore_index
            ]
            classes = ''
        else:
            allowed = set(range(num_classes))
            if allow_ignore:
                allowed.add(self.ignore_index)
            bad = [v for v in values if v not in allowed]
            classes = f' outside the {num_classes} classes ' \
                      f'(0..{num_classes - 1})'
        if not bad:
            return
        hint = ''
        if self.ignore_index in bad and not mapped:
            hint = (' Masks stored as 0/255 need mask_value_map={255: 1} in '
                    'the dataset config; if 255 marks pixels to ignore, set '
                    'allow_ignore_index=True.')
        raise ValueError(f'mask {path} contains values {bad}{classes}.{hint}')

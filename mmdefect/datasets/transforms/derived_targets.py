"""Pixel targets derived from the mask after the geometric transforms.

Each transform reads ``gt_seg_map`` as it is at its place in the pipeline,
so it must come after every geometric transform (resize, crop, flip): the
target is then aligned with the image by construction.  The result is a
``gt_<name>_map`` that ``PackDefectInputs`` packs and the data preprocessor
pads with the image; pixels ignored in the mask are ignored (255) in it.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from scipy.ndimage import distance_transform_edt

from .loading import IGNORE_INDEX


@TRANSFORMS.register_module()
class GenerateEdgeMap(BaseTransform):
    """Canny edges of the defect mask, BANet's FEAM target (Eq. 6).

    ``gt_edge_map = Canny(255 * (mask > 0), low, high) > 0`` as uint8 0/1.
    BANet gives no thresholds, and on a binary image they hardly matter
    (every pair from (1, 2) to (900, 1000) gives the same 1-pixel
    boundary); 100/200 are OpenCV's customary values.  ``width`` > 1
    dilates the edge with a square kernel.

    Args:
        low (int), high (int): Canny hysteresis thresholds.
        width (int): Edge width in pixels.  Defaults to 1.
    """

    def __init__(self,
                 low: int = 100,
                 high: int = 200,
                 width: int = 1) -> None:
        if width < 1:
            raise ValueError(f'width must be >= 1, got {width}')
        self.low = low
        self.high = high
        self.width = width

    def transform(self, results: dict) -> dict:
        mask = results['gt_seg_map']
        defect = ((mask > 0) & (mask != IGNORE_INDEX)).astype(np.uint8) * 255
        edge = (cv2.Canny(defect, self.low, self.high) > 0).astype(np.uint8)
        if self.width > 1:
            edge = cv2.dilate(edge, np.ones((self.width, self.width),
                                            np.uint8))
        edge[mask == IGNORE_INDEX] = IGNORE_INDEX
        results['gt_edge_map'] = edge
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(low={self.low}, high={self.high}, '
                f'width={self.width})')


@TRANSFORMS.register_module()
class GenerateLocationMap(BaseTransform):
    """Filled bounding rectangles of the defects, LSA-Net's location label.

    LSA-Net (Sec. 3.2 and 3.5, Fig. 5a) supervises its location attention
    with the minimum bounding rectangle of each defect.  ``mode``:

    * ``'components'``: one axis-aligned filled box per 8-connected
      component of the defect mask (the default: our reading of the
      paper's "minimum bounding rectangle"; the authors' public code lacks
      the loader that made it);
    * ``'global'``: one box around all defect pixels;
    * ``'projection'``: the outer product of the row and column projections,
      which is exactly what strip pooling can express.

    Writes ``gt_loc_map`` (uint8 0/1, 255 where the mask is ignored); a
    defect-free mask gives zeros.

    Args:
        mode (str): See above.  Defaults to 'components'.
    """

    modes = ('components', 'global', 'projection')

    def __init__(self, mode: str = 'components') -> None:
        if mode not in self.modes:
            raise ValueError(f'mode must be one of {self.modes}, got '
                             f'{mode!r}')
        self.mode = mode

    def transform(self, results: dict) -> dict:
        mask = results['gt_seg_map']
        defect = ((mask > 0) & (mask != IGNORE_INDEX)).astype(np.uint8)
        loc = np.zeros_like(defect)
        if defect.any():
            if self.mode == 'components':
                count, _, stats, _ = cv2.connectedComponentsWithStats(
                    defect, connectivity=8)
                for x, y, w, h, _ in stats[1:count]:
                    loc[y:y + h, x:x + w] = 1
            elif self.mode == 'global':
                rows = np.flatnonzero(defect.any(axis=1))
                cols = np.flatnonzero(defect.any(axis=0))
                loc[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] = 1
            else:
                loc = np.outer(defect.any(axis=1),
                               defect.any(axis=0)).astype(np.uint8)
        loc[mask == IGNORE_INDEX] = IGNORE_INDEX
        results['gt_loc_map'] = loc
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode='{self.mode}')"


@TRANSFORMS.register_module()
class GenerateSegDecTargets(BaseTransform):
    """SegDecNet's pixel targets: the dilated mask and distance-transform
    weights (Bozic et al. 2021, Sec. 3.3, and their public code, which
    MFFPA builds on).

    * ``gt_dilated_map``: the defect mask dilated by a ``dilation`` x
      ``dilation`` square (float32 0/1), so that a coarse or slightly
      misplaced label still covers the defect;
    * ``gt_weight_map``: 1 on the background and, on the dilated defect,
      ``w_pos * (D / max D) ** p`` with ``D`` the Euclidean distance of a
      defect pixel to the nearest background pixel: defect centres weigh
      ``w_pos``, their uncertain borders almost nothing.
      ``distance_weights=False`` gives 1 everywhere (the unweighted
      ablation).

    Both are 0 where the mask is ignored (a defective image without a pixel
    label), so that the pixel loss skips those images.
    ``SegDecMaskHead`` downsamples both to its 1/8 logit.  The reference
    dilates at the original size and resizes bilinearly; here both happen
    after the pipeline's resize, at the network's input size, so the
    dilation is in input pixels (the same scale for KSDD, KSDD2 and DAGM,
    whose inputs are close to their original sizes).

    Args:
        dilation (int): Side of the square dilation kernel; 1 keeps the
            mask.  Per dataset (SegDecNet's public code): KSDD 7, DAGM 7,
            KSDD2 15, Severstal 1.
        p (float): Exponent of the distance weights.
        w_pos (float): Weight of the defect centres.
        distance_weights (bool): Weight by distance.  Defaults to True.
    """

    def __init__(self,
                 dilation: int = 1,
                 p: float = 2.0,
                 w_pos: float = 1.0,
                 distance_weights: bool = True) -> None:
        if dilation < 1:
            raise ValueError(f'dilation must be >= 1, got {dilation}')
        self.dilation = dilation
        self.p = p
        self.w_pos = w_pos
        self.distance_weights = distance_weights

    def transform(self, results: dict) -> dict:
        mask = results['gt_seg_map']
        ignored = mask == IGNORE_INDEX
        target = ((mask > 0) & ~ignored).astype(np.uint8)
        if self.dilation > 1:
            target = cv2.dilate(
                target, np.ones((self.dilation, self.dilation), np.uint8))
        weight = np.ones(target.shape, np.float32)
        if self.distance_weights and target.any():
            distance = distance_transform_edt(target)
            defect = target > 0
            weight[defect] = self.w_pos * (distance[defect] /
                                           distance.max())**self.p
        target[ignored] = 0
        weight[ignored] = 0
        results['gt_dilated_map'] = target.astype(np.float32)
        results['gt_weight_map'] = weight
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(dilation={self.dilation}, '
                f'p={self.p}, w_pos={self.w_pos}, '
                f'distance_weights={self.distance_weights})')

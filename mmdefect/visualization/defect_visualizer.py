"""Runner and inferencer visualizer: one titled panel per image."""
from typing import List, Optional, Tuple

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from mmdefect.datasets.transforms import read_image
from mmdefect.models.segmentors import defect_probability, heat_maps
from .overlays import (blend, color_mask, error_overlay, hatch, heat_map,
                       make_panel)
from .painters import paint_maps


@VISUALIZERS.register_module()
class DefectVisualizer(SegLocalVisualizer):
    """``SegLocalVisualizer`` whose picture is a panel of titled tiles:

    sample | template | prediction | defect probability | heat maps |
    ground truth | errors

    * the template comes from ``image`` when it stacks sample and template
      (H, W, 6; the inferencer passes images it holds in memory this way),
      else from the data sample's ``template_path`` metainfo; single-image
      samples have none;
    * the prediction and the ground truth are painted with the dataset
      palette over the sample; the prediction's title carries the image
      score (``pred_score``) and the decision at the model's operating
      point (``pred_label``), the ground truth's the image label
      (``gt_label``); for an image labelled without a mask it says
      "label only" and the tile is hatched, not an empty mask;
    * the per-pixel defect probability (from ``seg_logits``) on a fixed
      0-1 scale, the map the pixel threshold cuts, for every model;
    * the heat maps of the prediction (``pred_<name>``), each drawn by the
      painter its maker registered, by default as a min-max normalised
      colour map (:func:`~mmdefect.visualization.paint_maps`);
    * the error tile follows CADNet's Fig. 1/9 (see
      :func:`~mmdefect.visualization.error_overlay`).

    The panel goes through the normal backends, so mmseg's
    ``SegVisualizationHook`` and ``tools/test.py --show-dir`` write one panel
    per test image, and ``DefectInferencer`` / ``tools/infer.py`` draw the
    same panels.

    Args:
        name (str): Instance name.  Defaults to 'visualizer'.
        ignore_index (int): Ground-truth value drawn as neither defect nor
            error.  Defaults to 255.
        panel_height (int, optional): Tile height of the panels; None: the
            image's height.
        **kwargs: See :class:`mmseg.visualization.SegLocalVisualizer`
            (``alpha`` is the opacity of the painted classes).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 ignore_index: int = 255,
                 panel_height: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.ignore_index = ignore_index
        self.panel_height = panel_height

    def _class_tile(self, title: str, image: np.ndarray, seg: np.ndarray,
                    with_labels: bool) -> Tuple[str, np.ndarray]:
        classes = self.dataset_meta.get('classes')
        palette = self.dataset_meta.get('palette')
        shown = (seg > 0) & (seg < len(palette))
        tile = blend(image, color_mask(seg, palette), self.alpha, shown)
        if with_labels and classes:
            present = [classes[i] for i in np.unique(seg[shown])]
            if present:
                title = f"{title}: {', '.join(present)}"
        return title, tile

    def draw_panel(self,
                   image: np.ndarray,
                   data_sample: SegDataSample,
                   draw_gt: bool = True,
                   draw_pred: bool = True,
                   with_labels: bool = True) -> np.ndarray:
        """The panel of one image (RGB, sample or sample + template)."""
        if image.shape[2] == 6:
            image, template = image[..., :3], image[..., 3:]
        else:
            path = data_sample.metainfo.get('template_path')
            template = mmcv.bgr2rgb(read_image(path)) if path else None
        tiles: List[Tuple[str, np.ndarray]] = [('sample', image)]
        if template is not None:
            tiles.append(('template', template))
        pred = gt = None
        if draw_pred and 'pred_sem_seg' in data_sample:
            pred = self._as_mask(data_sample.pred_sem_seg, image.shape[:2])
            # The score and decision first: a narrow tile cuts the title.
            tiles.append(
                self._class_tile('prediction' + decision_text(data_sample),
                                 image, pred, with_labels))
            if 'seg_logits' in data_sample:
                probability = defect_probability(data_sample.seg_logits.data)
                tiles.append(
                    ('defect probability',
                     heat_map(probability.cpu().numpy(),
                              value_range=(0., 1.))))
            maps = {
                name: values.cpu().numpy()
                for name, values in heat_maps(data_sample).items()
            }
            tiles.extend(paint_maps(maps, image, template))
        if draw_gt and 'gt_sem_seg' in data_sample:
            gt = self._as_mask(data_sample.gt_sem_seg, image.shape[:2])
            title, tile = self._class_tile(
                'ground truth' +
                label_text(data_sample, gt, self.ignore_index), image, gt,
                with_labels)
            if not (gt != self.ignore_index).any():
                tile = hatch(tile)
            tiles.append((title, tile))
        if pred is not None and gt is not None and (
                gt != self.ignore_index).any():
            # The count goes in the title: text drawn into a small image
            # would be blurred by the panel's resizing.
            errors, count = error_overlay(
                pred, gt, self.ignore_index, draw_count=False)
            tiles.append((f'errors, Err: {count}', errors))
        return make_panel(tiles, height=self.panel_height)

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        """Draw the panel of one image and save it to all backends.

        Arguments as in :meth:`SegLocalVisualizer.add_datasample`; ``image``
        is the sample in RGB, or sample and template stacked (H, W, 6);
        ``with_labels`` appends the names of the classes present to the
        prediction and ground-truth titles.
        """
        panel = self.draw_panel(
            image, data_sample if data_sample is not None else SegDataSample(),
            draw_gt, draw_pred, with_labels)
        self.set_image(panel)
        if show:
            self.show(panel, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
        else:
            self.add_image(name, panel, step)

    @staticmethod
    def _as_mask(pixel_data, size: Tuple[int, int]) -> np.ndarray:
        """(H, W) uint8 class map at the image size from a ``PixelData``."""
        seg = pixel_data.cpu().data
        seg = seg.numpy() if hasattr(seg, 'numpy') else np.asarray(seg)
        seg = seg[0].astype(np.uint8)
        if seg.shape != tuple(size):
            seg = mmcv.imresize(seg, size[::-1], interpolation='nearest')
        return seg


def decision_text(data_sample: SegDataSample) -> str:
    """`` (score 0.73: defective)``: the image score and the decision."""
    if 'pred_score' not in data_sample:
        return ''
    text = f' (score {float(data_sample.pred_score):.2f}'
    if 'pred_label' in data_sample:
        text += ': ' + ('defective' if int(data_sample.pred_label) else 'good')
    return text + ')'


def label_text(data_sample: SegDataSample, gt: np.ndarray,
               ignore_index: int) -> str:
    """The image label of the ground truth, and whether it has no mask."""
    if 'gt_label' not in data_sample:
        return ''
    label = 'defective' if int(data_sample.gt_label) else 'good'
    if not (gt != ignore_index).any():
        return f' (label only: {label})'
    return f' ({label})'

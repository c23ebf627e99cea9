"""One row per image of a test or inference run: what a user reads first.

``tools/infer.py`` writes the rows as ``summary.csv`` and ``summary.json``,
and ``tools/test.py --show-dir`` as ``summary.csv`` beside the panels
(:class:`~mmdefect.engine.PredictionSummaryHook`), so that every image's
ground-truth label, score and decision can be read, sorted and compared with
its panel without opening it.
"""
import csv
import io
from typing import Dict, List, Sequence

import numpy as np
from mmseg.structures import SegDataSample

from mmdefect.utils import write_file

#: The columns of a prediction, in order, before the per-class areas.
PREDICTION_FIELDS = ('gt_label', 'score', 'decision')


def prediction_fields(data_sample: SegDataSample,
                      classes: Sequence[str]) -> Dict[str, object]:
    """The row of one prediction.

    * ``gt_label``: the image's ground-truth label, 1 defective, 0 good
      (from its mask, else its image label); empty where it has neither;
    * ``score``: the image score (``pred_score``);
    * ``decision``: the predicted image label at the model's operating
      point, 1 defective (``pred_label``);
    * ``area_<class>``: the predicted pixels of each defect class.
    """
    mask = data_sample.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
    areas = np.bincount(mask.ravel(), minlength=len(classes))
    gt_label = data_sample.get('gt_label')
    return dict(
        gt_label='' if gt_label is None else int(gt_label),
        score=round(float(data_sample.pred_score), 6),
        decision=int(data_sample.pred_label),
        **{
            f'area_{name}': int(areas[index])
            for index, name in enumerate(classes) if index > 0
        })


def area_fields(classes: Sequence[str]) -> List[str]:
    """The area columns of ``classes`` (background has none)."""
    return [f'area_{name}' for name in classes[1:]]


def write_csv(path: str, rows: Sequence[dict], fields: Sequence[str]) -> None:
    """Write ``rows`` as a CSV table of ``fields`` (missing values empty),
    atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(
        text, fieldnames=list(fields), restval='', extrasaction='ignore')
    writer.writeheader()
    writer.writerows(rows)
    write_file(path, text.getvalue().encode())

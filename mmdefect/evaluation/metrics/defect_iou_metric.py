"""IoU metric with the cross-class test mode of CADNet (Fig. 6)."""
from typing import Dict, Optional, Sequence

import torch
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class DefectIoUMetric(IoUMetric):
    """mmseg ``IoUMetric`` (per-class IoU/Acc/Fscore, means) for defects.

    Besides mmseg's summary (aAcc, mIoU, mAcc, mFscore, ...), the per-class
    IoU and Fscore are returned as ``IoU.<class>`` and ``Fscore.<class>``
    (percent), so they reach the log, the json of ``tools/test.py`` and
    scripts, like the per-class columns of the papers' tables.

    Args:
        tested_class (int, optional): Cross-class testing (CADNet Sec. 4.3.2,
            Fig. 6: train on line, test on abpt and vice versa).  A model
            trained on one defect class predicts that class wherever it finds
            a change; with ``tested_class`` set, every predicted defect class
            (any label > 0) counts as ``tested_class``, so the IoU of the
            tested class measures whether the change was found at all.
            Defaults to None (plain mmseg behaviour).
        **kwargs: See :class:`mmseg.evaluation.IoUMetric`.
    """

    def __init__(self, tested_class: Optional[int] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if tested_class is not None and tested_class < 1:
            raise ValueError('tested_class must be a defect class (>= 1)')
        self.tested_class = tested_class

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if self.tested_class is not None:
            data_samples = [self._to_tested_class(s) for s in data_samples]
        super().process(data_batch, data_samples)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only or not results:
            return metrics
        intersect, union, pred_area, label_area = (
            sum(r[i] for r in results).float() for i in range(4))
        iou = intersect / union
        precision = intersect / pred_area
        recall = intersect / label_area
        fscore = (1 + self.beta**2) * precision * recall / (
            self.beta**2 * precision + recall)
        for index, name in enumerate(self.dataset_meta['classes']):
            metrics[f'IoU.{name}'] = round(float(iou[index]) * 100, 2)
            metrics[f'Fscore.{name}'] = round(float(fscore[index]) * 100, 2)
        return metrics

    def _to_tested_class(self, data_sample: dict) -> dict:
        pred = data_sample['pred_sem_seg']['data']
        mapped = torch.where(pred > 0, torch.full_like(pred,
                                                       self.tested_class),
                             pred)
        return dict(data_sample, pred_sem_seg=dict(data=mapped))

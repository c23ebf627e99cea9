"""Writes one row per test image: the table beside the panels."""
import os.path as osp
from typing import Optional, Sequence

from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmdefect.apis.prediction_summary import (PREDICTION_FIELDS, area_fields,
                                              prediction_fields, write_csv)


@HOOKS.register_module()
class PredictionSummaryHook(Hook):
    """Writes ``summary.csv`` of a test run into ``out_dir``: per image its
    sample, template and mask paths, ground-truth label, score, decision
    and predicted areas (:func:`~mmdefect.apis.prediction_summary.
    prediction_fields`), in the order of the test set; the columns of
    ``tools/infer.py``'s summary.  ``tools/test.py --show-dir`` adds it, so
    that the table lies beside the panels.

    Args:
        out_dir (str): Folder of ``summary.csv``.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self._rows = []

    def before_test_epoch(self, runner) -> None:
        self._rows = []

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        classes = runner.test_dataloader.dataset.metainfo['classes']
        for sample in outputs or []:
            self._rows.append(
                dict(
                    sample=sample.metainfo.get('img_path') or '',
                    template=sample.metainfo.get('template_path') or '',
                    mask=sample.metainfo.get('seg_map_path') or '',
                    **prediction_fields(sample, classes)))

    def after_test_epoch(self, runner, metrics=None) -> None:
        dataset = runner.test_dataloader.dataset
        rows = collect_results(self._rows, len(dataset))
        if not is_main_process():
            return
        fields = [
            'sample', 'template', 'mask', *PREDICTION_FIELDS,
            *area_fields(dataset.metainfo['classes'])
        ]
        write_csv(osp.join(self.out_dir, 'summary.csv'), rows, fields)

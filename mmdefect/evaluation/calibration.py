"""Calibration records: the operating point of a checkpoint, where it is
stored and how a config takes it.

``tools/calibrate.py`` writes a record (rule, target, split, thresholds,
achieved rates, counts, score histograms) into the checkpoint's
``meta['calibration']`` and into ``calibration.json`` next to it.  Every
consumer (``tools/test.py``, ``tools/infer.py``, ``DefectInferencer``, the
ONNX export) applies it the same way, :func:`apply_operating_point`, which
puts the thresholds into the segmentor's ``test_cfg``: ``pixel_threshold``
on the per-pixel defect probability (``pred_sem_seg``) and
``image_threshold`` on the image score (``pred_label``).  A record is tied
to the config it was made with by :func:`config_hash` (the model without
its test-time settings, and the test pipeline): a record of another config
is refused.
"""
import hashlib
import json
import logging
from typing import Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

# Keys of the segmentor's test_cfg that hold the operating point.
THRESHOLD_KEYS = ('pixel_threshold', 'image_threshold')


class CalibrationMismatch(ValueError):
    """A calibration record made with another config."""


def _plain(value):
    if isinstance(value, (dict, ConfigDict)):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, type):
        return f'{value.__module__}.{value.__qualname__}'
    return value


def config_hash(cfg: Config) -> str:
    """First 16 hex digits of the SHA-256 of what decides a model's scores:
    ``cfg.model`` without ``train_cfg`` and ``test_cfg`` (training
    settings, whole or slide inference and the thresholds do not change
    what the weights compute) and the test pipeline."""
    model = _plain(cfg.model)
    model.pop('train_cfg', None)
    model.pop('test_cfg', None)
    pipeline = _plain(
        cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', []))
    text = json.dumps(
        dict(model=model, pipeline=pipeline), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_record(record: dict, cfg: Config, source: str) -> None:
    """Refuse a record made with another config (both hashes named)."""
    expected = config_hash(cfg)
    if record.get('config_hash') != expected:
        raise CalibrationMismatch(
            f'calibration {source} was made with config hash '
            f"{record.get('config_hash')}, this config has {expected}: it "
            'belongs to another model or pipeline; calibrate again with '
            'tools/calibrate.py')


def calibration_of(checkpoint: str) -> Optional[dict]:
    """The calibration record in a checkpoint's meta, None if it has none."""
    from mmengine.runner.checkpoint import _load_checkpoint
    state = _load_checkpoint(checkpoint, map_location='cpu')
    return (state.get('meta') or {}).get('calibration')


def record_thresholds(record: dict) -> dict:
    """``pixel_threshold`` / ``image_threshold`` of a record (a level the
    record leaves uncalibrated is absent)."""
    thresholds = dict(image_threshold=record['image']['threshold'])
    if record.get('pixel'):
        thresholds['pixel_threshold'] = record['pixel']['threshold']
    return thresholds


def apply_operating_point(cfg: Config,
                          record: Optional[dict],
                          source: str = 'the checkpoint',
                          threshold: Optional[float] = None,
                          logger: str = 'current') -> dict:
    """Put the operating point into ``cfg.model.test_cfg``; return the
    thresholds used.

    Args:
        cfg (Config): The config; changed in place.
        record (dict, optional): A calibration record (checkpoint meta or
            ``calibration.json``), checked against ``cfg``.
        source (str): Where the record comes from, for messages.
        threshold (float, optional): Overrides both thresholds (the
            ``--threshold`` of the tools).
        logger (str): mmengine logger for the one-line note.
    """
    test_cfg = cfg.model.setdefault('test_cfg', ConfigDict())
    for key in THRESHOLD_KEYS:
        test_cfg.pop(key, None)
    if threshold is not None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(
                f'threshold {threshold} is outside the score range [0, 1]')
        thresholds = dict(pixel_threshold=threshold, image_threshold=threshold)
        print_log(f'operating point: threshold {threshold} (given)', logger)
    elif record is not None:
        check_record(record, cfg, source)
        thresholds = record_thresholds(record)
        print_log(
            f"operating point from {source}: rule {record['rule']} "
            f"(target {record['target']}) on the {record['split']} split: " +
            ', '.join(f'{k} {v:.4g}' for k, v in thresholds.items()), logger)
    else:
        print_log(
            f'{source} is not calibrated: pixels and images are decided at '
            '0.5 (arg-max); choose an operating point with '
            'tools/calibrate.py',
            logger,
            level=logging.WARNING)
        return {}
    test_cfg.update(thresholds)
    return thresholds

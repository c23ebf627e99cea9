"""Logs how far a spatial transformer's theta is from the true pose."""
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmdefect.datasets.synocd_generator import pose_matrix
from mmdefect.models.layers import theta_from_pixel_affine


def theta_error(theta: np.ndarray, pose: dict, size) -> tuple:
    """Mean distance (px) between where ``theta`` and the true pose send the
    image corners and centre into the template, and the same for the
    identity (the error of not aligning at all)."""
    h, w = size
    truth = theta_from_pixel_affine(pose_matrix(pose, size), h, w)
    points = np.array(
        [[-1, -1, 1], [1, -1, 1], [-1, 1, 1], [1, 1, 1], [0, 0, 1]],
        np.float64).T
    scale = np.array([[w / 2], [h / 2]])
    target = truth @ points
    error = np.linalg.norm((theta @ points - target) * scale, axis=0).mean()
    identity = np.linalg.norm((points[:2] - target) * scale, axis=0).mean()
    return float(error), float(identity)


@HOOKS.register_module()
class PoseErrorHook(Hook):
    """STM pose error against the recorded pose, in validation and test.

    For data whose annotation records the pose of each sample against its
    template (SynOCD's ``pose``, packed into the meta data), compares the
    ``theta`` that the neck's spatial transformer used for each image
    (``neck.last_theta``, BANet's STM) with the true one and logs, per
    evaluation, ``stm/theta_error_px`` (mean displacement of the image
    corners and centre, px) next to ``stm/identity_error_px`` (the same for
    no alignment).  A diagnostic only: BANet puts no loss on theta.  Assumes
    whole-image inference without padding (SynOCD sizes are multiples of
    32).
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._errors = []

    def _neck(self, runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        return getattr(model, 'neck', None)

    def _collect(self, runner, outputs: Optional[Sequence]) -> None:
        neck = self._neck(runner)
        theta = getattr(neck, 'last_theta', None)
        if theta is None or not outputs:
            return
        theta = theta.cpu().double().numpy()
        for index, sample in enumerate(outputs):
            pose = sample.metainfo.get('pose')
            if pose is None or index >= len(theta):
                continue
            size = sample.metainfo['img_shape'][:2]
            self._errors.append(theta_error(theta[index], pose, size))

    def _log(self, runner, mode: str) -> None:
        if self._errors:
            error, identity = np.mean(self._errors, axis=0)
            runner.message_hub.update_scalar(f'{mode}/stm/theta_error_px',
                                             round(float(error), 3))
            runner.message_hub.update_scalar(f'{mode}/stm/identity_error_px',
                                             round(float(identity), 3))
        self._errors = []

    def after_val_iter(self,
                       runner,
                       batch_idx,
                       data_batch=None,
                       outputs=None) -> None:
        self._collect(runner, outputs)

    def after_test_iter(self,
                        runner,
                        batch_idx,
                        data_batch=None,
                        outputs=None) -> None:
        self._collect(runner, outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'test')

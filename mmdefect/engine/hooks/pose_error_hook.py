"""Logs how far a model's alignment field is from the true pose."""
from typing import Optional, Sequence, Tuple

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmdefect.utils.geometry import pose_matrix


def field_error(dx: np.ndarray, dy: np.ndarray,
                pose: dict) -> Tuple[float, float]:
    """Pose error of an alignment field, and of no alignment, in px.

    ``dx``, ``dy`` (H, W) give, for every sample pixel, the displacement to
    the template point it is compared with.  The affine map that fits the
    field best (least squares; exactly the STM's transform where the field
    comes from one ``theta``) and the true one (the inverse of
    :func:`~mmdefect.utils.geometry.pose_matrix`) send the image's corners
    and centre into the template; the error is the mean distance between
    the two, and the identity's error the same for the identity map (the
    misalignment left without any alignment).
    """
    h, w = dx.shape
    ys, xs = np.mgrid[0:h, 0:w]
    pixels = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)], axis=1)
    moved = pixels[:, :2] + np.stack([dx.ravel(), dy.ravel()], axis=1)
    fitted = np.linalg.lstsq(pixels, moved, rcond=None)[0].T  # (2, 3)
    truth = np.linalg.inv(np.vstack([pose_matrix(pose, (h, w)), [0, 0,
                                                                 1]]))[:2]
    points = np.array([[-.5, w - .5, -.5, w - .5, (w - 1) / 2],
                       [-.5, -.5, h - .5, h - .5, (h - 1) / 2], [1] * 5])
    target = truth @ points
    error = np.linalg.norm(fitted @ points - target, axis=0).mean()
    identity = np.linalg.norm(points[:2] - target, axis=0).mean()
    return float(error), float(identity)


@HOOKS.register_module()
class PoseErrorHook(Hook):
    """Alignment error against the recorded pose, in validation and test.

    For data whose annotation records the pose of each sample against its
    template (SynOCD's ``pose``: list it in ``PackDefectInputs``'s
    ``meta_keys``), compares the alignment field of every prediction (by
    default BANet's STM, ``pred_align_dx_map`` and ``pred_align_dy_map``)
    with the true pose and logs, per evaluation, ``stm/theta_error_px``
    (:func:`field_error`, mean displacement of the image corners and centre)
    next to ``stm/identity_error_px`` (the same for no alignment).  It reads
    the predictions only, so whole, slide and test-time-augmented inference
    are measured alike.  A diagnostic: BANet puts no loss on the transform.

    Args:
        field (Sequence[str]): The heat maps holding the x and y
            displacements.
    """

    priority = 'NORMAL'

    def __init__(self,
                 field: Sequence[str] = ('align_dx_map', 'align_dy_map')):
        self.keys = tuple(f'pred_{name}' for name in field)
        self._errors = []

    def _collect(self, outputs: Optional[Sequence]) -> None:
        for sample in outputs or ():
            pose = sample.metainfo.get('pose')
            if pose is None or not all(key in sample for key in self.keys):
                continue
            dx, dy = (
                sample.get(key).data[0].cpu().double().numpy()
                for key in self.keys)
            self._errors.append(field_error(dx, dy, pose))

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
        self._collect(outputs)

    def after_test_iter(self,
                        runner,
                        batch_idx,
                        data_batch=None,
                        outputs=None) -> None:
        self._collect(outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'test')

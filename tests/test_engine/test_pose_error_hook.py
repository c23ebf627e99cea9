"""PoseErrorHook: the STM's theta against the recorded pose."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmseg.structures import SegDataSample

from mmdefect.datasets.synocd_generator import pose_matrix
from mmdefect.engine.hooks import PoseErrorHook, theta_error
from mmdefect.models.layers import theta_from_pixel_affine


def test_hook_logs_the_mean_error_per_evaluation():
    size = 64
    poses = [
        dict(tx=4., ty=-2., angle=3., scale=1.),
        dict(tx=-8., ty=0., angle=-5., scale=1.)
    ]
    truth = [
        theta_from_pixel_affine(pose_matrix(p, size), size, size)
        for p in poses
    ]
    neck = SimpleNamespace(
        last_theta=torch.tensor(
            np.stack([truth[0], np.array([[1., 0, 0], [0, 1, 0]])])))
    hub = MessageHub.get_instance('test_pose_error_hook')
    runner = SimpleNamespace(model=SimpleNamespace(neck=neck), message_hub=hub)
    outputs = []
    for pose in poses:
        sample = SegDataSample()
        sample.set_metainfo(dict(pose=pose, img_shape=(size, size)))
        outputs.append(sample)
    hook = PoseErrorHook()
    hook.after_val_iter(runner, 0, None, outputs)
    hook.after_val_epoch(runner)
    # Image 0 has the true theta (error 0), image 1 the identity.
    identity_error = theta_error(
        np.array([[1., 0, 0], [0, 1, 0]]), poses[1], (size, size))[0]
    expected = np.mean([0.0, identity_error])
    assert hub.get_scalar('val/stm/theta_error_px').current() == \
        pytest.approx(expected, abs=1e-3)
    assert hub.get_scalar('val/stm/identity_error_px').current() > 0
    # Data without poses (not SynOCD) logs nothing.
    hook.after_test_iter(runner, 0, None, [SegDataSample()])
    hook.after_test_epoch(runner)
    assert 'test/stm/theta_error_px' not in hub.log_scalars

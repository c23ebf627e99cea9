"""PoseErrorHook: the alignment field of the predictions against the
recorded pose, the same under whole and slide inference."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import MessageHub
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdefect.engine.hooks import PoseErrorHook, field_error

BANET = 'configs/banet/banet_r34_synocd-256.py'


def translation_field(dx, dy, size):
    return np.full((size, size), float(dx)), np.full((size, size), float(dy))


def test_field_error_of_translations_and_of_a_rotation():
    pose = dict(tx=4., ty=-2., angle=0., scale=1.)
    # The sample is the template moved by (4, -2): its pixels come from
    # (-4, +2) away in the template.
    assert field_error(*translation_field(-4, 2, 32), pose) == \
        pytest.approx((0, np.hypot(4, 2)))
    assert field_error(*translation_field(-3, 1, 32), pose)[0] == \
        pytest.approx(np.hypot(1, 1))
    # A rotation of 90 degrees about the centre moves each corner by the
    # side (32 px) and the centre not at all.
    turn = dict(tx=0., ty=0., angle=90., scale=1.)
    zero = np.zeros((32, 32))
    assert field_error(zero, zero, turn)[1] == pytest.approx(4 / 5 * 32)


def _runner(name):
    hub = MessageHub.get_instance(name)
    return SimpleNamespace(message_hub=hub), hub


def _prediction(dx, dy, pose=None):
    sample = SegDataSample(
        pred_align_dx_map=PixelData(data=torch.from_numpy(dx)[None]),
        pred_align_dy_map=PixelData(data=torch.from_numpy(dy)[None]))
    if pose is not None:
        sample.set_metainfo(dict(pose=pose))
    return sample


def test_hook_logs_the_mean_error_per_evaluation():
    runner, hub = _runner('test_pose_error_hook')
    pose = dict(tx=4., ty=-2., angle=0., scale=1.)
    hook = PoseErrorHook()
    hook.after_val_iter(runner, 0, None, [
        _prediction(*translation_field(-4, 2, 16), pose),
        _prediction(*translation_field(0, 0, 16), pose)
    ])
    hook.after_val_epoch(runner)
    assert hub.get_scalar('val/stm/theta_error_px').current() == \
        pytest.approx(np.hypot(4, 2) / 2, abs=1e-3)
    assert hub.get_scalar('val/stm/identity_error_px').current() == \
        pytest.approx(np.hypot(4, 2), abs=1e-3)
    # Without a recorded pose, or a model without a field: nothing.
    hook.after_test_iter(runner, 0, None, [
        _prediction(*translation_field(0, 0, 16)),
        SegDataSample(metainfo=dict(pose=pose))
    ])
    hook.after_test_epoch(runner)
    assert 'test/stm/theta_error_px' not in hub.log_scalars


def translating_stm(dx, dy, stride=32):
    """An STM that moves every window's template by (dx, dy) px of the
    input: its theta depends on the window's size, as a real STM's
    would."""

    def forward(sample, template):
        n, _, h, w = sample.shape
        theta = sample.new_tensor([[1, 0, 2 * dx / (w * stride)],
                                   [0, 1, 2 * dy / (h * stride)]])
        return theta.expand(n, 2, 3)

    return forward


def test_hook_gives_the_same_error_with_whole_and_slide_inference(repo):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(f'{repo}/{BANET}').model).eval()
    model.neck.stm.forward = translating_stm(-3., 1.)
    pose = dict(tx=4., ty=-2., angle=0., scale=1.)
    size = 128
    samples = [
        SegDataSample(
            metainfo=dict(
                pose=pose,
                ori_shape=(size, size),
                img_shape=(size, size),
                pad_shape=(size, size),
                padding_size=[0, 0, 0, 0]))
    ]
    inputs = torch.randn(1, 6, size, size)
    errors = {}
    for mode, test_cfg in (('whole', dict(mode='whole')),
                           ('slide',
                            dict(
                                mode='slide',
                                crop_size=(64, 64),
                                stride=(32, 32)))):
        model.test_cfg = ConfigDict(test_cfg)
        with torch.no_grad():
            preds = model.predict(inputs, copy.deepcopy(samples))
        torch.testing.assert_close(preds[0].pred_align_dx_map.data,
                                   torch.full((1, size, size), -3.))
        runner, hub = _runner(f'test_pose_error_hook_{mode}')
        hook = PoseErrorHook()
        hook.after_test_iter(runner, 0, None, preds)
        hook.after_test_epoch(runner)
        errors[mode] = hub.get_scalar('test/stm/theta_error_px').current()
    assert errors['whole'] == errors['slide'] == pytest.approx(
        np.hypot(1, 1), abs=1e-3)


def test_synocd_test_pipeline_brings_the_pose_to_the_hook(repo, synocd_root):
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(f'{repo}/{BANET}')
    dataset = DATASETS.build(
        dict(cfg.test_dataloader.dataset, data_root=str(synocd_root)))
    batch = pseudo_collate([dataset[i] for i in range(2)])
    poses = [s.metainfo['pose'] for s in batch['data_samples']]
    assert all({'tx', 'ty', 'angle'} <= set(pose) for pose in poses)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        preds = model.test_step(batch)
    runner, hub = _runner('test_pose_error_hook_synocd')
    hook = PoseErrorHook()
    hook.after_val_iter(runner, 0, batch, preds)
    hook.after_val_epoch(runner)
    # An untrained STM is the identity.
    identity = np.mean(
        [field_error(*translation_field(0, 0, 64), pose)[1] for pose in poses])
    assert hub.get_scalar('val/stm/identity_error_px').current() == \
        pytest.approx(identity, abs=1e-3)
    assert hub.get_scalar('val/stm/theta_error_px').current() == \
        pytest.approx(identity, abs=1e-2)

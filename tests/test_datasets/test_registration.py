"""Template registration: known synthetic warps recovered within a pixel,
the valid region, the feature fallback, and the refusals."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose

from mmdefect.datasets.transforms import (RegisterTemplate, RegistrationError,
                                          register_template, with_registration)
from mmdefect.datasets.transforms.registration import REGISTRATION_META_KEYS
from mmdefect.utils.geometry import pose_matrix

SIZE = 128


def canvas(seed=0, side=2 * SIZE):
    """A textured BGR canvas: blurred noise of several scales."""
    rng = np.random.default_rng(seed)
    image = np.zeros((side, side, 3), np.float32)
    for cell in (4, 16):
        small = rng.uniform(0, 255, (side // cell, side // cell, 3))
        image += cv2.resize(
            small.astype(np.float32), (side, side),
            interpolation=cv2.INTER_CUBIC)
    return np.clip(image / 2, 0, 255).astype(np.uint8)


def posed_pair(pose, size=SIZE, seed=0):
    """(sample, template, matrix): the template is the centre of a canvas,
    the sample the canvas under ``pose`` (template pixels -> sample pixels
    by ``matrix``), so that no border is filled."""
    board = canvas(seed, 2 * size)
    offset = size // 2
    template = board[offset:offset + size, offset:offset + size].copy()
    matrix = np.vstack([pose_matrix(pose, size), [0, 0, 1]])
    shift = np.array([[1, 0, -offset], [0, 1, -offset], [0, 0, 1]])
    sample = cv2.warpAffine(
        board, (matrix @ shift)[:2], (size, size), flags=cv2.INTER_LINEAR)
    return sample, template, matrix


def max_point_error(found, expected, size=SIZE):
    """Largest distance (px) between the two motions over the image."""
    grid = np.stack(
        np.meshgrid(np.arange(0, size, 8.), np.arange(0, size, 8.)),
        axis=-1).reshape(-1, 1, 2)
    return np.abs(
        cv2.perspectiveTransform(grid, np.asarray(found, np.float64)) -
        cv2.perspectiveTransform(grid, expected)).max()


POSES = [
    dict(tx=5.5, ty=-3.25, angle=0., scale=1.),
    dict(tx=3., ty=2., angle=4., scale=1.),
    dict(tx=-16., ty=12., angle=-10., scale=1.),
]


@pytest.mark.parametrize('pose', POSES)
def test_ecc_recovers_known_warps_within_a_pixel(pose):
    sample, template, matrix = posed_pair(pose)
    quality = register_template(sample, template)['quality']
    assert quality['method'] == 'ecc'
    assert max_point_error(quality['matrix'], matrix) < 1
    assert quality['correlation'] > 0.95


@pytest.mark.parametrize('motion', ['euclidean', 'homography'])
def test_every_motion_model_recovers_a_rigid_warp(motion):
    sample, template, matrix = posed_pair(POSES[1])
    quality = register_template(sample, template, motion=motion)['quality']
    assert max_point_error(quality['matrix'], matrix) < 1


def test_large_images_register_at_reduced_resolution():
    pose = dict(tx=12., ty=-8., angle=3., scale=1.)
    sample, template, matrix = posed_pair(pose, size=256, seed=3)
    quality = register_template(sample, template, max_side=128)['quality']
    assert max_point_error(quality['matrix'], matrix, 256) < 1


def test_valid_region_is_where_the_template_has_pixels():
    pose = dict(tx=6., ty=-4., angle=0., scale=1.)
    sample, template, matrix = posed_pair(pose)
    registered = register_template(sample, template)
    valid = registered['valid']
    # Naive: a sample pixel is valid where x - 6 and y + 4 lie in the image.
    ys, xs = np.mgrid[:SIZE, :SIZE]
    expected = (xs - 6 >= 0) & (xs - 6 <= SIZE - 1) & (ys + 4 <= SIZE - 1)
    # Sub-pixel estimates move the border by at most one pixel.
    assert (valid & ~cv2.dilate(expected.astype(np.uint8), np.ones(
        (3, 3))).astype(bool)).sum() == 0
    assert (expected & ~cv2.dilate(valid.astype(np.uint8), np.ones(
        (3, 3))).astype(bool)).sum() == 0
    assert registered['quality']['valid_fraction'] == pytest.approx(
        expected.mean(), abs=0.02)
    warped = registered['template']
    # Outside: the sample itself; inside: the template where it moved.
    assert (warped[~valid] == sample[~valid]).all()
    assert np.abs(warped[20:100, 20:100].astype(int) -
                  template[24:104, 14:94]).mean() < 3


def test_feature_homography_is_the_fallback(monkeypatch):
    from mmdefect.datasets.transforms import registration

    def no_convergence(*args):
        raise cv2.error('ECC did not converge')

    monkeypatch.setattr(registration, '_ecc', no_convergence)
    pose = dict(tx=10., ty=-6., angle=5., scale=1.)
    sample, template, matrix = posed_pair(pose, size=256, seed=1)
    quality = register_template(sample, template)['quality']
    assert quality['method'] == 'features'
    assert 0 < quality['inlier_ratio'] <= 1
    assert 0 <= quality['residual_px'] < 3
    assert max_point_error(quality['matrix'], matrix, 256) < 1


@pytest.mark.parametrize('value, what', [(128, 'blank'), (255, 'saturated')])
def test_blank_or_saturated_template_is_refused(value, what):
    sample, _, _ = posed_pair(POSES[0])
    template = np.full_like(sample, value)
    with pytest.raises(
            RegistrationError, match='template is blank or '
            'saturated'):
        register_template(sample, template, name='a.png')


def test_a_template_that_does_not_register_is_refused_with_its_score():
    sample, _, _ = posed_pair(POSES[0], seed=0)
    other = canvas(seed=7)[:SIZE, :SIZE]
    with pytest.raises(RegistrationError) as info:
        register_template(sample, other, name='a.png')
    message = str(info.value)
    assert 'a.png: the template does not register' in message
    assert 'floor 0.5' in message
    assert info.value.quality['correlation'] < 0.5


def test_a_template_of_another_size_is_refused(tmp_path):
    sample, template, _ = posed_pair(POSES[0])
    with pytest.raises(RegistrationError, match=r'template of size \(96, 128'):
        register_template(sample, template[:96])
    cv2.imwrite(str(tmp_path / 's.png'), sample)
    cv2.imwrite(str(tmp_path / 't.png'), template[:96])
    pipeline = Compose(with_registration([dict(type='LoadDefectImages')]))
    with pytest.raises(ValueError, match='t.png has shape'):
        pipeline(
            dict(
                img_path=str(tmp_path / 's.png'),
                template_path=str(tmp_path / 't.png')))


def test_transform_registers_the_stacked_template_and_ignores_outside():
    sample, template, matrix = posed_pair(POSES[1])
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[60:70, 60:70] = 1
    results = RegisterTemplate()(
        dict(
            img=np.concatenate([sample, template], axis=2),
            gt_seg_map=mask,
            img_path='s.png'))
    valid = results['template_valid']
    assert results['img'].shape == (SIZE, SIZE, 6)
    assert (results['img'][..., :3] == sample).all()
    assert (results['gt_seg_map'][~valid] == 255).all()
    assert (results['gt_seg_map'][valid] == mask[valid]).all()
    assert max_point_error(results['registration']['matrix'], matrix) < 1
    with pytest.raises(ValueError, match='s.png: RegisterTemplate needs'):
        RegisterTemplate()(dict(img=sample, img_path='s.png'))
    with pytest.raises(ValueError, match='motion must be one of'):
        RegisterTemplate(motion='rigid')


def test_with_registration_is_a_pipeline_switch():
    keys = ('img_path', 'pose')
    pipeline = [
        dict(type='LoadDefectImages'),
        dict(type='LoadDefectAnnotations'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDefectInputs', meta_keys=keys),
    ]
    tta = [
        dict(type='LoadDefectImages'),
        dict(
            type='TestTimeAug',
            transforms=[[dict(type='RandomFlip', prob=1.)],
                        [dict(type='PackDefectInputs', meta_keys=keys)]])
    ]
    registered = with_registration(pipeline, motion='euclidean')
    assert [t['type'] for t in registered] == [
        'LoadDefectImages', 'LoadDefectAnnotations', 'RegisterTemplate',
        'RandomFlip', 'PackDefectInputs'
    ]
    assert registered[2]['motion'] == 'euclidean'
    assert registered[-1]['meta_keys'] == keys + REGISTRATION_META_KEYS
    assert pipeline[-1]['meta_keys'] == keys  # the input is not changed
    assert with_registration(registered) == registered
    tta = with_registration(tta)
    assert tta[1]['type'] == 'RegisterTemplate'
    assert tta[2]['transforms'][1][0]['meta_keys'] == (
        keys + REGISTRATION_META_KEYS)
    with pytest.raises(ValueError, match='loads no images'):
        with_registration([dict(type='PackDefectInputs')])

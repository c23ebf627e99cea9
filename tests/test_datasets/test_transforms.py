"""Paired pipelines: alignment after every geometric transform, loading
errors, mask value handling and per-image photometric transforms."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmseg.registry import TRANSFORMS

from mmdefect.datasets.transforms import PackDefectInputs

GEOMETRIC = {
    'random_resize': [
        dict(
            type='RandomResize',
            scale=(96, 96),
            ratio_range=(0.5, 2.0),
            keep_ratio=True)
    ],
    'random_crop':
    [dict(type='RandomCrop', crop_size=(40, 48), cat_max_ratio=0.75)],
    'flip_h': [dict(type='RandomFlip', prob=0.5, direction='horizontal')],
    'flip_v': [dict(type='RandomFlip', prob=0.5, direction='vertical')],
    'rotate': [dict(type='RandomRotate', prob=1.0, degree=30)],
    'paper_train': [
        dict(
            type='RandomResize',
            scale=(64, 64),
            ratio_range=(1.0, 2.0),
            keep_ratio=True),
        dict(type='RandomCrop', crop_size=(64, 64), cat_max_ratio=0.95),
        dict(type='RandomFlip', prob=0.5),
    ],
}


def coordinate_pair(size=(64, 64), cell=16):
    """Sample == template: a coordinate code + a checkerboard mask.

    Channel 2 of each image carries the mask (as 0/255), so after any
    geometric transform the mask must still match channel 2 of BOTH images,
    and the two images must stay identical.
    """
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    mask = (((yy // cell) + (xx // cell)) % 2).astype(np.uint8)
    img = np.stack([xx * 3 % 256, yy * 3 % 256, mask * 255],
                   axis=2).astype(np.uint8)
    return np.concatenate([img, img], axis=2), mask


@pytest.mark.parametrize('name', sorted(GEOMETRIC))
def test_geometric_transforms_keep_pair_and_mask_aligned(name):
    pipeline = Compose([TRANSFORMS.build(t) for t in GEOMETRIC[name]])
    changed = 0
    for seed in range(12):
        np.random.seed(seed)
        img, mask = coordinate_pair()
        results = pipeline(
            dict(
                img=img,
                gt_seg_map=mask,
                seg_fields=['gt_seg_map'],
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2]))
        out, out_mask = results['img'], results['gt_seg_map']
        assert out.shape[2] == 6
        assert out.shape[:2] == out_mask.shape
        # Sample and template received the very same geometric change.
        np.testing.assert_array_equal(out[..., :3], out[..., 3:])
        valid = out_mask != 255  # padding / rotation border
        agree = (out[..., 2] > 127)[valid] == (out_mask[valid] == 1)
        # Bilinear image vs nearest mask resizing may differ on cell edges.
        assert agree.mean() > 0.93, (name, seed, agree.mean())
        changed += not np.array_equal(out, img)
    assert changed > 0, 'the transform never changed anything'


def test_preprocessor_padding_keeps_pair_and_mask_aligned():
    """Paired inputs are padded by the data preprocessor (mmcv's ``Pad``
    expands its value per channel, which OpenCV rejects beyond 4)."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    pre = MODELS.build(
        dict(
            type='DefectDataPreProcessor',
            num_images=2,
            mean=[0., 0., 0.],
            std=[1., 1., 1.],
            size_divisor=32,
            seg_pad_val=255))
    img, mask = coordinate_pair(size=(50, 41))
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=torch.from_numpy(mask)[None].long()))
    out = pre(
        dict(
            inputs=[torch.from_numpy(img).permute(2, 0, 1)],
            data_samples=[sample]),
        training=True)
    x, gt = out['inputs'][0], out['data_samples'][0].gt_sem_seg.data[0]
    assert x.shape == (6, 64, 64) and gt.shape == (64, 64)
    torch.testing.assert_close(x[:3], x[3:])
    assert (gt[50:] == 255).all() and (gt[:, 41:] == 255).all()
    torch.testing.assert_close(gt[:50, :41], torch.from_numpy(mask).long())
    torch.testing.assert_close(x[2, :50, :41] > 127, gt[:50, :41] == 1)


def test_pair_loading_stacks_sample_then_template(data_info):
    info = data_info(0)
    results = TRANSFORMS.build(dict(type='LoadDefectImages'))(info)
    sample = cv2.imread(info['img_path'])
    template = cv2.imread(info['template_path'])
    assert results['img'].shape == sample.shape[:2] + (6, )
    np.testing.assert_array_equal(results['img'][..., :3], sample)
    np.testing.assert_array_equal(results['img'][..., 3:], template)


def test_pair_loading_errors_name_the_file(data_info, tmp_path):
    load = TRANSFORMS.build(dict(type='LoadDefectImages'))
    info = data_info(0)
    missing = dict(info, template_path=str(tmp_path / 'nope.png'))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        load(missing)
    # Without a template the sample alone is loaded (single-image data).
    alone = load(dict(info, template_path=None))
    assert alone['img'].shape == (64, 64, 3)
    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.zeros((10, 12, 3), np.uint8))
    with pytest.raises(ValueError, match='small.png'):
        load(dict(info, template_path=str(small)))
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not a png at all')
    with pytest.raises(ValueError, match='broken.png'):
        load(dict(info, img_path=str(broken)))


def _load_mask(info, mask, tmp_path, **overrides):
    path = tmp_path / 'mask.png'
    cv2.imwrite(str(path), mask)
    results = dict(info, seg_map_path=str(path), **overrides)
    results['seg_fields'] = []
    return TRANSFORMS.build(dict(type='LoadDefectAnnotations'))(results)


def test_binary_255_masks_are_never_silently_ignored(data_info, tmp_path):
    info = data_info(0)
    mask = np.zeros((64, 64), np.uint8)
    mask[10:20, 10:20] = 255
    with pytest.raises(ValueError, match=r'mask_value_map=\{255: 1\}'):
        _load_mask(info, mask, tmp_path)
    mapped = _load_mask(info, mask, tmp_path, mask_value_map={255: 1})
    assert set(np.unique(mapped['gt_seg_map'])) == {0, 1}
    assert (mapped['gt_seg_map'] == 1).sum() == 100
    ignored = _load_mask(info, mask, tmp_path, allow_ignore_index=True)
    assert set(np.unique(ignored['gt_seg_map'])) == {0, 255}


def test_out_of_range_and_mis_sized_masks(data_info, tmp_path):
    info = data_info(0)
    mask = np.zeros((64, 64), np.uint8)
    mask[0, 0] = 7
    with pytest.raises(ValueError, match=r'mask.png contains values \[7\]'):
        _load_mask(info, mask, tmp_path)
    with pytest.raises(ValueError, match='has size'):
        _load_mask(
            info, np.zeros((32, 64), np.uint8), tmp_path, ori_shape=(64, 64))


def test_label_only_samples_get_an_ignored_or_a_zero_mask(data_info):
    load = TRANSFORMS.build(dict(type='LoadDefectAnnotations'))
    info = dict(data_info(0), seg_fields=[], ori_shape=(6, 5))
    info.pop('seg_map_path', None)
    # Defective, no mask (mixed supervision): every pixel is ignored.
    weak = load(dict(info, gt_label=1))['gt_seg_map']
    assert weak.shape == (6, 5) and (weak == 255).all()
    # Defect-free, no mask: its mask is known, all background.
    clean = load(dict(info, gt_label=0, seg_fields=[]))
    assert (clean['gt_seg_map'] == 0).all()
    assert clean['seg_fields'] == ['gt_seg_map']
    with pytest.raises(ValueError, match='neither a mask nor an image'):
        load(dict(info, seg_fields=[]))


def test_photometric_per_image_independent_or_shared():
    img, _ = coordinate_pair()
    img = np.ascontiguousarray(img).astype(np.float32)
    for independent in (True, False):
        transform = TRANSFORMS.build(
            dict(
                type='PerImageTransform',
                transforms=[dict(type='PhotoMetricDistortion')],
                independent=independent))
        differ = 0
        for seed in range(8):
            np.random.seed(seed)
            out = transform(dict(img=img.copy(), seg_fields=[]))['img']
            assert out.shape == img.shape
            differ += not np.allclose(out[..., :3], out[..., 3:])
        assert (differ > 0) == independent


def _pack(**results):
    results.setdefault('img', np.zeros((8, 8, 6), np.uint8))
    return TRANSFORMS.build(dict(type='PackDefectInputs'))(results)


def test_pack_derives_the_image_label_from_the_transformed_mask():
    mask = np.zeros((8, 8), np.uint8)
    assert int(_pack(gt_seg_map=mask)['data_samples'].gt_label) == 0
    mask[2, 2] = 2
    assert int(_pack(gt_seg_map=mask)['data_samples'].gt_label) == 1
    # A crop that cut the defect out: the mask decides, not the dataset.
    assert int(
        _pack(gt_seg_map=mask * 0, gt_label=1)['data_samples'].gt_label) == 0
    # Image-label-only sample: its mask is all ignored.
    ignored = np.full((8, 8), 255, np.uint8)
    assert int(_pack(gt_seg_map=ignored,
                     gt_label=1)['data_samples'].gt_label) == 1
    assert 'gt_label' not in _pack()['data_samples']


def test_pack_packs_every_map_and_the_template_path():
    packed = _pack(
        gt_seg_map=np.zeros((8, 8), np.uint8),
        gt_edge_map=np.ones((8, 8), np.uint8),
        gt_loc_map=np.full((8, 8), 255, np.uint8),
        gt_soft_map=np.full((8, 8), 0.25, np.float32),
        img_path='s.png',
        template_path='t.png')
    sample = packed['data_samples']
    assert sample.gt_edge_map.data.dtype == torch.long
    assert sample.gt_loc_map.data.shape == (1, 8, 8)
    assert sample.gt_soft_map.data.dtype == torch.float32
    assert float(sample.gt_soft_map.data[0, 0, 0]) == 0.25
    assert sample.metainfo['template_path'] == 't.png'


def test_pack_keeps_the_meta_keys_the_config_lists():
    pose = dict(tx=1., ty=0., angle=2., scale=1.)
    default = _pack(img_path='s.png', pose=pose)['data_samples'].metainfo
    assert 'pose' not in default and default['img_path'] == 's.png'
    assert 'template_path' in PackDefectInputs().meta_keys
    listed = TRANSFORMS.build(
        dict(type='PackDefectInputs', meta_keys=['img_path', 'pose']))(dict(
            img=np.zeros((8, 8, 3), np.uint8), img_path='s.png',
            pose=pose))['data_samples'].metainfo
    assert listed == dict(img_path='s.png', pose=pose)


@pytest.mark.parametrize('flip', ['horizontal', 'vertical'])
def test_derived_targets_made_after_a_flip_stay_aligned(flip):
    mask = np.zeros((32, 32), np.uint8)
    mask[4:10, 3:20] = 1
    mask[20:28, 22:30] = 2
    mask[0, :] = 255
    pipeline = Compose([
        TRANSFORMS.build(dict(type='RandomFlip', prob=1., direction=flip)),
        TRANSFORMS.build(dict(type='GenerateEdgeMap')),
        TRANSFORMS.build(dict(type='GenerateLocationMap')),
    ])
    out = pipeline(
        dict(
            img=np.zeros((32, 32, 6), np.uint8),
            gt_seg_map=mask,
            seg_fields=['gt_seg_map'],
            img_shape=(32, 32)))
    flipped = mask[:, ::-1] if flip == 'horizontal' else mask[::-1]
    np.testing.assert_array_equal(out['gt_seg_map'], flipped)
    defect = ((flipped > 0) & (flipped != 255)).astype(np.uint8) * 255
    edge = (cv2.Canny(defect, 100, 200) > 0).astype(np.uint8)
    edge[flipped == 255] = 255
    np.testing.assert_array_equal(out['gt_edge_map'], edge)
    # Two rectangles: the location map is their (filled) union.
    loc = out['gt_loc_map']
    assert (loc[flipped == 255] == 255).all()
    np.testing.assert_array_equal(loc[flipped != 255] == 1,
                                  (flipped > 0)[flipped != 255])


def test_location_map_modes():
    mask = np.zeros((16, 16), np.uint8)
    mask[2, 2:6] = 1  # a horizontal bar
    mask[8:12, 10] = 1  # a vertical bar
    cv2.line(mask, (3, 13), (7, 9), 1)  # a diagonal: its box is filled
    results = dict(gt_seg_map=mask)
    boxes = TRANSFORMS.build(dict(type='GenerateLocationMap'))(
        dict(results))['gt_loc_map']
    assert boxes[9:14, 3:8].all() and boxes.sum() == 4 + 4 + 25
    whole = TRANSFORMS.build(dict(type='GenerateLocationMap',
                                  mode='global'))(dict(results))['gt_loc_map']
    assert whole[2:14, 2:11].all() and whole.sum() == 12 * 9
    proj = TRANSFORMS.build(
        dict(type='GenerateLocationMap',
             mode='projection'))(dict(results))['gt_loc_map']
    np.testing.assert_array_equal(
        proj,
        np.outer(mask.any(1), mask.any(0)).astype(np.uint8))
    empty = TRANSFORMS.build(dict(type='GenerateLocationMap'))(
        dict(gt_seg_map=np.zeros((4, 4), np.uint8)))['gt_loc_map']
    assert empty.sum() == 0
    with pytest.raises(ValueError, match='mode'):
        TRANSFORMS.build(dict(type='GenerateLocationMap', mode='rotated'))

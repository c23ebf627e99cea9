"""The config's ``color_type``: one key makes loading, normalisation and
every leaderboard model grey (or colour), and 16-bit images read as their
8-bit equivalents."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmdefect.apis import DefectInferencer, init_model
from mmdefect.datasets.transforms import LoadDefectImages, read_image
from mmdefect.utils import apply_color_type

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
with open(osp.join(REPO, 'tools/benchmarks/board.yaml')) as f:
    BOARD = yaml.safe_load(f)
#: The leaderboard's eight methods, each by its SynOCD config.
METHODS = {
    name: method['configs']['synocd']
    for name, method in BOARD['methods'].items()
}
GREY = dict(color_type='grayscale')


def config(in_channels=6) -> Config:
    loader = dict(type='LoadDefectImages')
    return Config(
        dict(
            color_type='grayscale',
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    dataset=dict(pipeline=[loader, dict(type='Resize')]))),
            test_dataloader=dict(dataset=dict(pipeline=[loader])),
            tta_pipeline=[
                loader,
                dict(type='TestTimeAug', transforms=[[dict(loader)]])
            ],
            model=dict(
                data_preprocessor=dict(
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    bgr_to_rgb=True),
                backbone=dict(in_channels=in_channels))))


def test_one_key_sets_loaders_statistics_and_backbone():
    cfg = apply_color_type(config())
    loaders = [
        cfg.train_dataloader.dataset.dataset.pipeline[0],
        cfg.test_dataloader.dataset.pipeline[0], cfg.tta_pipeline[0],
        cfg.tta_pipeline[1].transforms[0][0]
    ]
    assert [t.color_type for t in loaders] == ['grayscale'] * 4
    pre = cfg.model.data_preprocessor
    assert pre.channels == 1 and not pre.bgr_to_rgb
    # BT.601 weights of the RGB statistics (the preprocessor swaps to RGB).
    assert pre.mean == [
        round(.299 * 123.675 + .587 * 116.28 + .114 * 103.53, 4)
    ]
    assert pre.std == [round(.299 * 58.395 + .587 * 57.12 + .114 * 57.375, 4)]
    # Sample and template stacked: 2 x 3 channels become 2 x 1.
    assert cfg.model.backbone.in_channels == 2
    assert apply_color_type(cfg).to_dict() == cfg.to_dict()  # idempotent


def test_statistics_without_swap_are_bgr_and_grey_back_to_colour():
    cfg = config()
    cfg.model.data_preprocessor.bgr_to_rgb = False
    apply_color_type(cfg)
    assert cfg.model.data_preprocessor.mean == [
        round(.114 * 123.675 + .587 * 116.28 + .299 * 103.53, 4)
    ]
    cfg.color_type = 'color'
    apply_color_type(cfg)
    pre = cfg.model.data_preprocessor
    assert pre.channels == 3 and len(pre.mean) == 3
    assert cfg.model.backbone.in_channels == 6


def test_bad_settings_are_named():
    cfg = config()
    cfg.color_type = 'grey'
    with pytest.raises(ValueError, match=r"one of \['color', 'grayscale'\]"):
        apply_color_type(cfg)
    cfg = config(in_channels=4)
    with pytest.raises(ValueError, match='4 channels, not a multiple'):
        apply_color_type(cfg)
    assert Config(dict(model=dict())).to_dict() == apply_color_type(
        Config(dict(model=dict()))).to_dict()  # no key: unchanged


def test_16_bit_images_read_as_their_8_bit_equivalent(tmp_path):
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (8, 9), np.uint8)
    colour = rng.integers(0, 256, (8, 9, 3), np.uint8)
    for name, image in (('grey', grey), ('colour', colour)):
        cv2.imwrite(str(tmp_path / f'{name}8.png'), image)
        cv2.imwrite(
            str(tmp_path / f'{name}16.png'),
            image.astype(np.uint16) * 257)
    for color_type in ('grayscale', 'color'):
        for name in ('grey', 'colour'):
            eight = read_image(str(tmp_path / f'{name}8.png'), color_type)
            sixteen = read_image(str(tmp_path / f'{name}16.png'), color_type)
            assert sixteen.dtype == np.uint8
            if (name, color_type) == ('colour', 'grayscale'):
                # The decoder makes the grey value before the scaling, so
                # it rounds once more: a colour file read as grey.
                assert np.abs(sixteen.astype(int) - eight).max() <= 1
            else:
                np.testing.assert_array_equal(sixteen, eight)
    # Values between the 8-bit steps round to the nearest: v / 257.
    odd = np.array([[0, 128, 129, 385, 65535]], np.uint16)
    cv2.imwrite(str(tmp_path / 'odd.png'), odd)
    np.testing.assert_array_equal(
        read_image(str(tmp_path / 'odd.png'), 'grayscale'),
        [[0, 0, 1, 1, 255]])
    loaded = LoadDefectImages(color_type='grayscale').transform(
        dict(img=odd.reshape(1, 5)))
    np.testing.assert_array_equal(loaded['img'][..., 0], [[0, 0, 1, 1, 255]])
    cv2.imwrite(str(tmp_path / 'float.tiff'), np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match='float.tiff has float32 pixels'):
        read_image(str(tmp_path / 'float.tiff'), 'grayscale')


def training_batch(model, channels, size=64):
    """A batch of two images with every target the methods train on."""
    samples = []
    for index in range(2):
        gt = torch.zeros(1, size, size, dtype=torch.long)
        gt[:, 20:30, 10 + index:40] = 1
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=gt),
            gt_edge_map=PixelData(data=gt.clone()),
            gt_loc_map=PixelData(data=gt.clone()),
            gt_dilated_map=PixelData(data=gt.float()),
            gt_weight_map=PixelData(data=torch.ones(1, size, size)))
        sample.set_field(torch.tensor(1), 'gt_label')
        sample.set_metainfo(
            dict(img_shape=(size, size), ori_shape=(size, size)))
        samples.append(sample)
    inputs = [
        torch.randint(0, 256, (channels, size, size), dtype=torch.uint8)
        for _ in range(2)
    ]
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)


@pytest.mark.parametrize('method', list(METHODS))
def test_grey_leaderboard_model_trains_and_reads_16_bit_alike(
        method, tmp_path):
    """``color_type=grayscale`` as the one option: the model takes one
    channel per image, trains one iteration, and a grey 16-bit PNG pair
    gets exactly the prediction of its 8-bit equivalent."""
    torch.manual_seed(0)
    model = init_model(f'{REPO}/{METHODS[method]}', cfg_options=GREY)
    pre = model.data_preprocessor
    assert pre.channels == 1
    model.train()
    data = training_batch(model, pre.num_images)
    assert data['inputs'].shape[1] == pre.num_images
    loss, _ = model.parse_losses(model.loss(**data))
    assert torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())
    model.eval()
    rng = np.random.default_rng(0)
    template = cv2.GaussianBlur(
        rng.integers(0, 256, (64, 64), np.uint8), (7, 7), 0)
    sample = template.copy()
    sample[30:34, 8:56] = 255
    paths = {}
    for bits, scale, dtype in ((8, 1, np.uint8), (16, 257, np.uint16)):
        for role, image in (('sample', sample), ('template', template)):
            path = tmp_path / f'{role}{bits}.png'
            cv2.imwrite(str(path), image.astype(dtype) * scale)
            paths[role, bits] = str(path)
    inferencer = DefectInferencer(model)
    preds = []
    for bits in (8, 16):
        item = ((paths['sample', bits],
                 paths['template',
                       bits]) if pre.num_images == 2 else paths['sample',
                                                                bits])
        preds.append(inferencer(item)['predictions'][0])
    assert np.asarray(preds[0]['sem_seg']).shape == (64, 64)
    np.testing.assert_array_equal(preds[0]['sem_seg'], preds[1]['sem_seg'])
    assert preds[0]['score'] == preds[1]['score']
    assert preds[0]['label'] == preds[1]['label']

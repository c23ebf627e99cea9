"""Paired sliding-window inference: core blending equals whole-image
inference for a local paired model, the image-score rule, the window
check, and the registered template's valid region."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn

HEIGHT, WIDTH = 80, 72
SLIDE = dict(mode='slide', crop_size=(32, 32), stride=(16, 16))


class LocalBackbone(nn.Module):
    """Two 3 x 3 convolutions at full resolution: a receptive field of
    radius 2, no global operation."""

    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1))

    def forward(self, x):
        return [self.convs(x)]


def paired_model(cls_head=False):
    """The Siamese difference with a local backbone and a one-conv FCN head
    (receptive field radius 3, under the trim of 8)."""
    cfg = dict(
        type='SiameseEncoderDecoder',
        data_preprocessor=dict(
            type='DefectDataPreProcessor',
            mean=[120., 115., 110.],
            std=[60., 55., 50.],
            bgr_to_rgb=True,
            num_images=2),
        backbone=dict(type='ResNetV1c', depth=18, init_cfg=None),
        neck=dict(type='FeatureFusionNeck', policy='diff'),
        decode_head=dict(
            type='FCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            concat_input=False,
            num_classes=2,
            norm_cfg=None),
        test_cfg=dict(mode='whole'))
    if cls_head:
        cfg['cls_head'] = dict(
            type='GlobalPoolClsHead', in_index=0, in_channels=8)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.backbone = LocalBackbone()
    return model.eval()


def batch(height=HEIGHT, width=WIDTH, valid=None):
    torch.manual_seed(1)
    pair = torch.randint(0, 256, (6, height, width), dtype=torch.uint8)
    meta = dict(
        img_path='pair.png',
        img_shape=(height, width),
        ori_shape=(height, width))
    if valid is not None:
        meta['template_valid'] = valid
    return dict(inputs=[pair], data_samples=[SegDataSample(metainfo=meta)])


@torch.no_grad()
def predict(model, test_cfg, data):
    model.test_cfg = ConfigDict(test_cfg)
    return model.test_step(data)[0]


def test_tiled_equals_whole_image_inference():
    model = paired_model()
    whole = predict(model, dict(mode='whole'), batch())
    tiled = predict(model, SLIDE, batch())
    assert tiled.seg_logits.data.shape == (2, HEIGHT, WIDTH)
    assert torch.allclose(
        tiled.seg_logits.data, whole.seg_logits.data, atol=1e-5)
    assert (tiled.pred_sem_seg.data == whole.pred_sem_seg.data).all()
    assert float(tiled.pred_score) == pytest.approx(
        float(whole.pred_score), abs=1e-5)
    # The same blending on preprocessed inputs (model.predict), and what
    # mmseg's whole-window average gives instead.
    data = model.data_preprocessor(batch(), False)
    model.test_cfg = ConfigDict(SLIDE)
    with torch.no_grad():
        logits = model.slide_inference(
            data['inputs'], [dict(data['data_samples'][0].metainfo)])
        averaged = EncoderDecoder.slide_inference(
            model, data['inputs'], [dict(data['data_samples'][0].metainfo)])
    assert torch.allclose(logits[0, :2], whole.seg_logits.data, atol=1e-5)
    assert (averaged[0, :2] - whole.seg_logits.data).abs().max() > 1e-3


def test_image_score_is_the_largest_window_score():
    model = paired_model(cls_head=True)
    tiled = predict(model, SLIDE, batch())
    data = batch()
    scores = []
    for y1 in (0, 16, 32, 48):
        for x1 in (0, 16, 32, 40):
            window = data['inputs'][0][:, y1:y1 + 32, x1:x1 + 32]
            scores.append(
                float(
                    predict(model, dict(mode='whole'),
                            batch_of(window)).pred_score))
    assert len(scores) == 16
    assert float(tiled.pred_score) == pytest.approx(max(scores), abs=1e-6)


def batch_of(window):
    size = tuple(window.shape[1:])
    return dict(
        inputs=[window],
        data_samples=[
            SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        ])


def test_a_window_larger_than_the_image_is_refused():
    model = paired_model()
    with pytest.raises(
            ValueError,
            match=r'window 32 x 32 .* larger than the '
            r'image pair.png of 24 x 72'):
        predict(model, SLIDE, batch(height=24))


def test_nothing_is_flagged_outside_the_registered_template():
    model = paired_model()
    valid = torch.ones(HEIGHT, WIDTH, dtype=torch.bool)
    valid[:, :10] = False
    valid[70:] = False
    for test_cfg in (dict(mode='whole'), SLIDE):
        free = predict(model, test_cfg, batch())
        pred = predict(model, test_cfg, batch(valid=valid.numpy()))
        probability = pred.seg_logits.data.softmax(dim=0)[1]
        assert probability[~valid].max() < 1e-30
        assert (pred.pred_sem_seg.data[0][~valid] == 0).all()
        assert torch.equal(pred.seg_logits.data[:, valid],
                           free.seg_logits.data[:, valid])
        expected = free.seg_logits.data.softmax(dim=0)[1][valid].max()
        assert float(pred.pred_score) == pytest.approx(float(expected))

"""DefectEncoderDecoder: cls head, image scores, heat maps, mixed
supervision, padding of extra targets and test-time augmentation."""
import copy
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseModule
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import DATASETS, METRICS, MODELS
from mmseg.structures import SegDataSample

from mmdefect.models.segmentors import defect_probability, to_original_geometry
from mmdefect.models.utils import HeatMapExporter

SEGFORMER = 'configs/baselines/segformer_mit-b0_synlcd-quickstart.py'
CADNET = 'configs/cadnet/cadnet_synlcd-quickstart.py'
BANET = 'configs/banet/banet_r34_synocd-256{}.py'
BGNET = 'configs/bgnet/bgnet_r34_synocd-256{}.py'
PIPELINE = [
    dict(type='LoadDefectImages'),
    dict(type='LoadDefectAnnotations'),
    dict(type='PackDefectInputs')
]


def write_mixed_dataset(root, size=64):
    """Single images: defective ones with masks, defective ones with only an
    image label, defect-free ones (label 0, no mask); one JSON file."""
    rng = np.random.default_rng(0)
    (root / 'images').mkdir(parents=True)
    (root / 'masks').mkdir()
    entries = []
    for i in range(8):
        img = rng.integers(60, 90, (size, size, 3), dtype=np.uint8)
        defective = i % 4 != 3
        mask = np.zeros((size, size), np.uint8)
        if defective:
            y, x = rng.integers(8, size - 16, 2)
            mask[y:y + 8, x:x + 8] = 1
            img[mask == 1] = 250
        cv2.imwrite(str(root / 'images' / f'{i}.png'), img)
        entry = dict(img_path=f'images/{i}.png')
        if i < 4:  # pixel-level labels
            cv2.imwrite(str(root / 'masks' / f'{i}.png'), mask)
            entry['seg_map_path'] = f'masks/{i}.png'
        else:  # image-level labels only
            entry['gt_label'] = int(defective)
        entries.append(entry)
    (root / 'ann.json').write_text(
        json.dumps(
            dict(
                metainfo=dict(classes=['background', 'defect']),
                data_list=entries)))
    return root


@pytest.fixture(scope='module')
def mixed_root(tmp_path_factory):
    return write_mixed_dataset(tmp_path_factory.mktemp('mixed'))


def cls_model(repo, **cls_kwargs):
    """SegFormer-B0 with two classes and a global-pool decision head."""
    cfg = Config.fromfile(f'{repo}/{SEGFORMER}')
    cfg.model.decode_head.num_classes = 2
    cfg.model.decode_head.loss_decode = dict(
        type='CrossEntropyLoss', avg_non_ignore=True)
    cfg.model.cls_head = dict(type='GlobalPoolClsHead', **cls_kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def mixed_batch(root, indices):
    dataset = DATASETS.build(
        dict(
            type='DefectDataset',
            data_root=str(root),
            ann_file='ann.json',
            pipeline=PIPELINE))
    return pseudo_collate([dataset[i] for i in indices])


def test_image_label_flows_from_json_to_the_image_metric(repo, mixed_root):
    dataset = DATASETS.build(
        dict(
            type='DefectDataset',
            data_root=str(mixed_root),
            ann_file='ann.json',
            pipeline=PIPELINE,
            test_mode=True))
    labels = [int(dataset[i]['data_samples'].gt_label) for i in range(8)]
    assert labels == [1, 1, 1, 0, 1, 1, 1, 0]
    model = cls_model(repo).eval()
    metric = METRICS.build(dict(type='ImageDefectMetric'))
    metric.dataset_meta = dataset.metainfo
    scores = []
    for start in (0, 4):
        batch = pseudo_collate([dataset[i] for i in range(start, start + 4)])
        with torch.no_grad():
            preds = model.test_step(batch)
        # The score is the decision head's: sigmoid of its logit.
        data = model.data_preprocessor(copy.deepcopy(batch), False)
        with torch.no_grad():
            feats = model.extract_feat(data['inputs'])
            logit = model.cls_head(feats, model.decode_head(feats))
        torch.testing.assert_close(
            torch.stack([p.pred_score for p in preds]),
            logit.sigmoid().view(-1))
        scores += [float(p.pred_score) for p in preds]
        metric.process(batch, [p.to_dict() for p in preds])
    result = metric.evaluate(8)
    from sklearn.metrics import average_precision_score, roc_auc_score
    assert result['image/AP'] == pytest.approx(
        100 * average_precision_score(labels, scores), abs=0.01)
    assert result['image/AUROC'] == pytest.approx(
        100 * roc_auc_score(labels, scores), abs=0.01)


def test_mixed_batch_pixel_losses_skip_label_only_images(repo, mixed_root):
    model = cls_model(repo).eval()  # fixed BN statistics: comparable losses
    mixed = model.data_preprocessor(
        mixed_batch(mixed_root, [0, 1, 4, 7]), True)
    # A defective image without a mask is ignored; a defect-free one
    # without a mask has an exact mask of zeros.
    assert (mixed['data_samples'][2].gt_sem_seg.data == 255).all()
    assert (mixed['data_samples'][3].gt_sem_seg.data == 0).all()
    with torch.no_grad():
        loss_mixed = model.loss(mixed['inputs'][:3], mixed['data_samples'][:3])
        loss_pixel = model.loss(mixed['inputs'][:2], mixed['data_samples'][:2])
    # The label-only defective image changes neither the pixel loss nor ...
    torch.testing.assert_close(loss_mixed['decode.loss_ce'],
                               loss_pixel['decode.loss_ce'])
    # ... gets a gradient from it, but the defect-free image does.
    inputs = mixed['inputs'].clone().requires_grad_()
    model.loss(inputs, mixed['data_samples'])['decode.loss_ce'].backward()
    assert inputs.grad[:2].abs().sum() > 0
    assert inputs.grad[2].abs().sum() == 0
    assert inputs.grad[3].abs().sum() > 0
    labels = torch.stack([s.gt_label for s in mixed['data_samples']])
    assert labels.tolist() == [1, 1, 1, 0]
    assert 'cls.loss_cls' in loss_mixed


def test_mixed_batch_trains(repo, mixed_root):
    model = cls_model(repo)
    model.train()
    data = model.data_preprocessor(
        mixed_batch(mixed_root, list(range(8))), True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    history = []
    for _ in range(12):
        losses = model.loss(**data)
        loss, _ = model.parse_losses(losses)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append((loss.item(), losses['cls.loss_cls'].item()))
    total = [h[0] for h in history]
    assert np.mean(total[-3:]) < 0.7 * np.mean(total[:3]), history
    assert history[-1][1] < history[0][1], history


def test_global_pool_cls_head_is_logistic_on_pooled_evidence():
    head = MODELS.build(dict(type='GlobalPoolClsHead'))
    logits = torch.randn(2, 3, 8, 8)
    evidence = logits[:, 1:].logsumexp(1) - logits[:, 0]
    expected = head.fc.weight[0, 0] * evidence.amax((1, 2)) + \
        head.fc.weight[0, 1] * evidence.mean((1, 2)) + head.fc.bias[0]
    torch.testing.assert_close(head([], logits)[:, 0], expected)
    sigmoid = torch.randn(2, 1, 8, 8)
    with_feats = MODELS.build(
        dict(type='GlobalPoolClsHead', in_index=0, in_channels=4))
    assert with_feats([torch.randn(2, 4, 5, 5)], sigmoid).shape == (2, 1)
    with pytest.raises(ValueError, match='together'):
        MODELS.build(dict(type='GlobalPoolClsHead', in_index=0))


def test_cls_head_grad_multiplier_0_keeps_the_segmentation_out_of_its_loss(
        repo, mixed_root):
    model = cls_model(repo, grad_multiplier=0.0)
    data = model.data_preprocessor(mixed_batch(mixed_root, [0, 4]), True)
    model.loss(**data)['cls.loss_cls'].backward()
    assert model.cls_head.fc.weight.grad.abs().sum() > 0
    assert all(p.grad is None or p.grad.abs().sum() == 0
               for p in model.backbone.parameters())


def test_cls_head_needs_image_labels(repo):
    model = cls_model(repo)
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=torch.zeros(1, 64, 64).long()))
    sample.set_metainfo(
        dict(
            img_path='x.png',
            img_shape=(64, 64),
            ori_shape=(64, 64),
            pad_shape=(64, 64)))
    with pytest.raises(KeyError, match=r'x\.png.*gt_label'):
        model.loss(torch.randn(1, 3, 64, 64), [sample])


def predict_batch(model, paired, size=64, num=2, pad=(0, 0), flip=False):
    torch.manual_seed(1)
    channels = 6 if paired else 3
    h, w = size + pad[0], size + pad[1]
    inputs = torch.randn(num, channels, h, w)
    samples = []
    for _ in range(num):
        sample = SegDataSample()
        sample.set_metainfo(
            dict(
                ori_shape=(size, size),
                img_shape=(size, size),
                pad_shape=(h, w),
                padding_size=[0, pad[1], 0, pad[0]],
                flip=flip,
                flip_direction='horizontal'))
        samples.append(sample)
    return inputs, samples


def test_predict_puts_score_and_heat_maps_into_the_samples(repo):
    cfg = Config.fromfile(f'{repo}/{CADNET}')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    assert model.map_names == ('distance_map', )
    assert model.out_channels == 3 + 1
    inputs, samples = predict_batch(model, True, pad=(32, 0), flip=True)
    with torch.no_grad():
        preds = model.predict(inputs, samples)
        dist = model.extract_feat(inputs)['distance_map']
    for i, pred in enumerate(preds):
        # The score without a cls head: the largest defect probability.
        probs = pred.seg_logits.data.softmax(0)
        assert float(pred.pred_score) == pytest.approx(float(probs[1:].max()))
        # The DistMap went through the logits' un-pad / un-flip / resize.
        up = torch.nn.functional.interpolate(
            dist[i:i + 1], size=(96, 64), mode='bilinear')[..., :64, :]
        expected = torch.nn.functional.interpolate(
            up.flip(3), size=(64, 64), mode='bilinear')[0]
        torch.testing.assert_close(pred.pred_distance_map.data, expected)
        assert pred.pred_sem_seg.data.shape == (1, 64, 64)


def test_defect_probability_of_one_channel_and_softmax_logits():
    probs = torch.rand(1, 4, 4)
    torch.testing.assert_close(defect_probability(probs), probs[0])
    logits = torch.randn(3, 4, 4)
    torch.testing.assert_close(
        defect_probability(logits),
        logits.softmax(0)[1:].max(0)[0])


def test_slide_inference_keeps_scores_and_maps(repo):
    model = cls_model(repo).eval()
    cadnet = MODELS.build(Config.fromfile(f'{repo}/{CADNET}').model).eval()
    for m, paired in ((model, False), (cadnet, True)):
        inputs, samples = predict_batch(m, paired)
        with torch.no_grad():
            whole = m.predict(inputs, copy.deepcopy(samples))
            m.test_cfg = ConfigDict(
                mode='slide', crop_size=(64, 64), stride=(48, 48))
            same = m.predict(inputs, copy.deepcopy(samples))
            m.test_cfg = ConfigDict(
                mode='slide', crop_size=(32, 32), stride=(24, 24))
            slid = m.predict(inputs, copy.deepcopy(samples))
        for a, b, c in zip(whole, same, slid):
            # One window covering the image is whole inference.
            torch.testing.assert_close(a.pred_score, b.pred_score)
            torch.testing.assert_close(a.seg_logits.data, b.seg_logits.data)
            assert 0 <= float(c.pred_score) <= 1
            assert c.seg_logits.data.shape[1:] == (64, 64)
            if paired:
                assert c.pred_distance_map.data.shape == (1, 64, 64)


def test_extra_ground_truth_maps_are_padded_with_the_image():
    pre = MODELS.build(
        dict(
            type='DefectDataPreProcessor',
            num_images=2,
            size_divisor=32,
            seg_pad_val=255))
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=torch.zeros(1, 50, 41).long()),
        gt_loc_map=PixelData(data=torch.ones(1, 50, 41).long()),
        gt_weight_map=PixelData(data=torch.full((1, 50, 41), 2.)))
    out = pre(
        dict(
            inputs=[torch.zeros(6, 50, 41, dtype=torch.uint8)],
            data_samples=[sample]),
        training=True)
    sample = out['data_samples'][0]
    assert out['inputs'].shape == (1, 6, 64, 64)
    loc = sample.gt_loc_map.data[0]
    weight = sample.gt_weight_map.data[0]
    assert loc.shape == weight.shape == (64, 64)
    assert (loc[:50, :41] == 1).all() and (loc[50:] == 255).all() and \
        (loc[:, 41:] == 255).all()
    assert (weight[:50, :41] == 2).all() and weight[50:].sum() == 0


def test_preprocessor_selects_the_images_the_model_consumes():
    single = MODELS.build(dict(type='DefectDataPreProcessor'))
    paired = MODELS.build(dict(type='DefectDataPreProcessor', num_images=2))
    pair = torch.cat([torch.zeros(3, 8, 8), torch.ones(3, 8, 8)]).byte()
    assert single(dict(inputs=[pair]))['inputs'].shape == (1, 3, 8, 8)
    assert single(dict(inputs=[pair]))['inputs'].sum() == 0
    assert paired(dict(inputs=[pair]))['inputs'].shape == (1, 6, 8, 8)
    sample = SegDataSample(metainfo=dict(img_path='lonely.png'))
    with pytest.raises(ValueError, match=r'lonely\.png has no template'):
        paired(dict(inputs=[pair[:3]], data_samples=[sample]))
    with pytest.raises(ValueError, match='num_images'):
        MODELS.build(dict(type='DefectDataPreProcessor', num_images=3))


def test_tta_merges_scores_and_maps(repo, paired_root):
    cfg = Config.fromfile(f'{repo}/{CADNET}')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    tta = MODELS.build(dict(type='DefectTTAModel', module=model))
    dataset = DATASETS.build(
        dict(
            cfg.test_dataloader.dataset,
            data_root=str(paired_root),
            pipeline=cfg.tta_pipeline))
    batch = pseudo_collate([dataset[0], dataset[1]])
    with torch.no_grad():
        merged = tta.test_step(copy.deepcopy(batch))
        copies = [
            model.test_step(dict(inputs=inputs, data_samples=samples))
            for inputs, samples in zip(batch['inputs'], batch['data_samples'])
        ]
    assert len(merged) == 2 and len(copies) == 4  # 2 scales x 2 flips
    for i, pred in enumerate(merged):
        augmented = [c[i] for c in copies]
        torch.testing.assert_close(
            pred.pred_score,
            torch.stack([a.pred_score for a in augmented]).mean())
        torch.testing.assert_close(
            pred.pred_distance_map.data,
            torch.stack([a.pred_distance_map.data for a in augmented]).mean(0))
        probs = torch.stack([a.seg_logits.data.softmax(0)
                             for a in augmented]).mean(0)
        torch.testing.assert_close(pred.pred_sem_seg.data[0], probs.argmax(0))
        assert 'gt_sem_seg' in pred and 'gt_label' in pred


def test_tta_thresholds_one_channel_probabilities_once(repo, paired_root):
    """mmseg's SegTTAModel applies a second sigmoid to one-channel heads;
    the merged mask must threshold the averaged probabilities."""
    cfg = Config.fromfile(f'{repo}/{CADNET}')
    cfg.model.decode_head.update(
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    tta = MODELS.build(dict(type='DefectTTAModel', module=model))
    probs = [torch.full((1, 4, 4), 0.2), torch.full((1, 4, 4), 0.4)]
    copies = []
    for p in probs:
        sample = SegDataSample(seg_logits=PixelData(data=p))
        sample.pred_score = p.max()
        copies.append(sample)
    merged = tta.merge_preds([copies])[0]
    assert (merged.pred_sem_seg.data == 0).all()  # 0.3 < 0.5
    torch.testing.assert_close(merged.seg_logits.data,
                               torch.full((1, 4, 4), 0.3))
    assert float(merged.pred_score) == pytest.approx(0.3)


@MODELS.register_module(force=True)
class ProbeMapHead(BaseModule, HeatMapExporter):
    """An auxiliary head exporting the first feature channels as maps."""

    def __init__(self, names=('probe_map', ), kinds=None):
        super().__init__()
        self.map_names = names
        self.kinds = kinds

    @property
    def map_kinds(self):
        return self.kinds or super().map_kinds

    def predict_maps(self, feats):
        return feats[0][:, :len(self.map_names)]

    def loss(self, inputs, data_samples, train_cfg):
        return dict()


@MODELS.register_module(force=True)
class DuckMapHead(BaseModule):
    """Names maps without the interface: it exports nothing."""

    map_names = ('duck_map', )

    def loss(self, inputs, data_samples, train_cfg):
        return dict()


def _segformer(repo, auxiliary_head):
    cfg = Config.fromfile(f'{repo}/{SEGFORMER}')
    cfg.model.auxiliary_head = auxiliary_head
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def test_heat_maps_come_from_exporters_only(repo):
    model = _segformer(repo, [
        dict(type='DuckMapHead'),
        dict(type='ProbeMapHead', names=('a_map', 'b_map'))
    ])
    assert model.map_names == ('a_map', 'b_map')
    inputs, samples = predict_batch(model, False)
    with torch.no_grad():
        preds = model.predict(inputs, samples)
        first = model.extract_feat(inputs)[0][:, :2]
    expected = torch.nn.functional.interpolate(
        first, size=(64, 64), mode='bilinear')
    torch.testing.assert_close(preds[1].pred_b_map.data, expected[1, 1:])
    assert 'pred_duck_map' not in preds[0]


@pytest.mark.parametrize('head, match', [
    (dict(names=['list_map']), 'tuple'),
    (dict(names=('probe', )), "'_map'"),
    (dict(names=('a_map', 'a_map')), 'unique'),
    (dict(names=('a_map', ), kinds=('dz', )), 'map_kinds'),
    (dict(names=('a_map', 'b_map'), kinds=('dx', )), 'map_kinds'),
])
def test_malformed_heat_map_declarations_raise_at_build(repo, head, match):
    with pytest.raises(ValueError, match=match):
        _segformer(repo, dict(type='ProbeMapHead', **head))


def test_heat_map_names_are_unique_over_the_model(repo):
    cfg = Config.fromfile(f'{repo}/{CADNET}')
    cfg.model.auxiliary_head = dict(
        type='ProbeMapHead', names=('distance_map', ))
    with pytest.raises(ValueError, match='repeat a name'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('config, names', [
    (BANET.format(''), ('edge_map', 'align_dx_map', 'align_dy_map')),
    (BANET.format('_no-stm'), ('edge_map', )),
    (BANET.format('_no-feam'), ('align_dx_map', 'align_dy_map')),
    (BGNET.format(''), ('match_dx_map', 'match_dy_map', 'match_score_map')),
    (BGNET.format('_no-match'), ()),
])
def test_a_paper_part_exports_its_maps_with_it(repo, config, names):
    model = MODELS.build(Config.fromfile(f'{repo}/{config}').model)
    assert model.map_names == names


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_to_original_geometry_is_mmsegs_postprocess(repo, direction):
    """The geometry of mmseg's postprocess_result (padding, flip, resize),
    on a multi-channel tensor."""
    model = MODELS.build(Config.fromfile(f'{repo}/{CADNET}').model)
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 40, 48)
    samples = []
    for padding in ([0, 8, 0, 4], [2, 6, 3, 5]):
        sample = SegDataSample()
        sample.set_metainfo(
            dict(
                ori_shape=(45, 60),
                img_shape=(36, 40),
                padding_size=padding,
                flip=True,
                flip_direction=direction))
        samples.append(sample)
    expected = EncoderDecoder.postprocess_result(model, logits.clone(),
                                                 copy.deepcopy(samples))
    for i, sample in enumerate(expected):
        torch.testing.assert_close(
            to_original_geometry(logits[i], samples[i].metainfo,
                                 model.align_corners), sample.seg_logits.data)
        assert sample.seg_logits.data.shape == (3, 45, 60)


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_displacement_maps_follow_the_flip_and_the_resize(repo, direction):
    """BANet's alignment field in pixels of the original image: a flip
    negates its component along the flip, a resize x2 doubles it."""
    model = MODELS.build(Config.fromfile(f'{repo}/{BANET.format("")}').model)
    sample = SegDataSample()
    sample.set_metainfo(
        dict(
            ori_shape=(64, 64),
            img_shape=(32, 32),
            padding_size=[0, 0, 0, 0],
            flip=True,
            flip_direction=direction))
    # logit, edge probability, dx, dy
    values = torch.tensor([0., 0.25, 3., -2.]).view(1, 4, 1, 1)
    pred = model.postprocess_result(
        values.expand(1, 4, 32, 32).clone(), [sample])[0]
    sign_x, sign_y = (-1, 1) if direction == 'horizontal' else (1, -1)
    torch.testing.assert_close(pred.pred_edge_map.data,
                               torch.full((1, 64, 64), 0.25))
    torch.testing.assert_close(pred.pred_align_dx_map.data,
                               torch.full((1, 64, 64), sign_x * 6.))
    torch.testing.assert_close(pred.pred_align_dy_map.data,
                               torch.full((1, 64, 64), sign_y * -4.))

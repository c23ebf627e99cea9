"""DefectInferencer and the init_model / inference_pair wrappers on the tiny
64x64 paired dataset.  The tests hold the inferencers, as callers do."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmdefect.apis import DefectInferencer, inference_pair, init_model

CADNET = 'configs/cadnet/cadnet_synlcd-quickstart.py'  # no test-time resize
SEGFORMER = 'configs/baselines/segformer_mit-b0_synlcd-quickstart.py'


def pair_paths(root, split='test'):
    lines = (root / 'splits' / f'{split}.txt').read_text().split('\n')
    parts = [line.split() for line in lines if line.strip()]
    return ([str(root / p[0])
             for p in parts], [str(root / p[1]) for p in parts],
            [str(root / p[2]) for p in parts])


@pytest.fixture(scope='module')
def cadnet_ckpt(repo, tmp_path_factory):
    """Random-init CADNet saved as a Runner-style checkpoint with meta."""
    model = init_model(f'{repo}/{CADNET}')
    path = tmp_path_factory.mktemp('ckpt') / 'cadnet.pth'
    meta = dict(
        classes=('bg', 'scratch', 'spot'),
        palette=[[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    torch.save(
        dict(state_dict=model.state_dict(), meta=dict(dataset_meta=meta)),
        path)
    return str(path)


@pytest.fixture(scope='module')
def cadnet(repo, cadnet_ckpt):
    return init_model(f'{repo}/{CADNET}', cadnet_ckpt)


@pytest.fixture(scope='module')
def segformer(repo):
    return init_model(f'{repo}/{SEGFORMER}')


@pytest.fixture(scope='module')
def cadnet_inferencer(cadnet):
    return DefectInferencer(cadnet)


@pytest.fixture(scope='module')
def segformer_inferencer(segformer):
    return DefectInferencer(segformer)


def test_init_model_meta_and_weights(repo, cadnet, cadnet_ckpt):
    assert not cadnet.training
    assert cadnet.cfg.model.type == 'SiameseEncoderDecoder'
    assert cadnet.dataset_meta['classes'] == ('bg', 'scratch', 'spot')
    saved = torch.load(cadnet_ckpt)['state_dict']
    for key, value in cadnet.state_dict().items():
        torch.testing.assert_close(value, saved[key])
    # Without a checkpoint: classes and palette of the dataset class.
    fresh = init_model(Config.fromfile(f'{repo}/{CADNET}'))
    assert fresh.dataset_meta['classes'] == ('background', 'line', 'abpt')
    assert len(fresh.dataset_meta['palette']) == 3
    assert DefectInferencer(fresh).model is fresh


@pytest.mark.parametrize('paired', [True, False])
def test_batch_of_four_equals_one_by_one(cadnet_inferencer,
                                         segformer_inferencer, paired_root,
                                         paired):
    inferencer = cadnet_inferencer if paired else segformer_inferencer
    samples, templates, _ = pair_paths(paired_root)
    inputs = ([[s, t]
               for s, t in zip(samples, templates)] if paired else samples)
    batched = inferencer(
        inputs, batch_size=4, return_datasamples=True)['predictions']
    assert len(batched) == len(inputs) == 4
    for item, pred in zip(inputs, batched):
        one = inferencer(item, return_datasamples=True)['predictions'][0]
        torch.testing.assert_close(
            pred.seg_logits.data, one.seg_logits.data, atol=1e-5, rtol=1e-4)
        assert float(pred.pred_score) == pytest.approx(
            float(one.pred_score), abs=1e-5)
        assert ('pred_distance_map' in pred) == paired
        if paired:
            torch.testing.assert_close(
                pred.pred_distance_map.data,
                one.pred_distance_map.data,
                atol=1e-5,
                rtol=1e-4)


def test_result_fields_are_read_from_the_data_samples(cadnet,
                                                      cadnet_inferencer,
                                                      paired_root):
    samples, templates, _ = pair_paths(paired_root)
    res = inference_pair(cadnet_inferencer, samples[0], templates[0])
    assert res.mask.shape == (64, 64) and res.mask.dtype == np.uint8
    assert res.probs.shape == (3, 64, 64) and res.probs.dtype == np.float32
    np.testing.assert_allclose(res.probs.sum(0), 1, atol=1e-5)
    np.testing.assert_array_equal(res.mask, res.probs.argmax(0))
    assert res.score == pytest.approx(float(res.probs[1:].max()))
    # The heat map is CADNet's DistMap (Eq. 7) resized to the image.
    data = cadnet.data_preprocessor(
        cadnet_inferencer.prepare([[samples[0], templates[0]]]), False)
    with torch.no_grad():
        dist = cadnet.extract_feat(data['inputs'])['distance_map']
    expected = F.interpolate(
        dist, size=(64, 64), mode='bilinear', align_corners=False)[0,
                                                                   0].numpy()
    assert list(res.heat_maps) == ['distance_map']
    np.testing.assert_allclose(
        res.heat_maps['distance_map'], expected, rtol=1e-4, atol=1e-5)


def test_inputs_as_arrays_folders_list_files_and_dicts(cadnet_inferencer,
                                                       paired_root, tmp_path):
    inferencer = cadnet_inferencer
    samples, templates, masks = pair_paths(paired_root)

    def scores(inputs):
        preds = inferencer(
            inputs, batch_size=3, return_datasamples=True)['predictions']
        return [float(p.pred_score) for p in preds]

    reference = scores([[s, t] for s, t in zip(samples, templates)])
    arrays = [[cv2.imread(s), cv2.imread(t)]
              for s, t in zip(samples, templates)]
    assert scores(arrays) == pytest.approx(reference, abs=1e-5)
    # A flat [sample, template] is one pair for a paired model.
    assert scores([samples[0], templates[0]]) == pytest.approx(
        reference[:1], abs=1e-5)
    # The dataset's list file, paths relative to its data root.
    listed = inferencer.dataset_items(
        str(paired_root / 'splits' / 'test.txt'), root=str(paired_root))
    assert [i['img_path'] for i in listed] == samples
    assert scores(listed) == pytest.approx(reference, abs=1e-5)
    # A folder with sample/, template/ and mask/.
    for sub, paths in (('sample', samples), ('template', templates), ('mask',
                                                                      masks)):
        (tmp_path / sub).mkdir()
        for i, path in enumerate(paths):
            (tmp_path / sub / f'{i}.png').write_bytes(open(path, 'rb').read())
    assert scores(str(tmp_path)) == pytest.approx(reference, abs=1e-5)
    # With a mask the ground truth is loaded and validated as in testing.
    preds = inferencer(listed[:1], return_datasamples=True)['predictions']
    gt = cv2.imread(masks[0], cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(preds[0].gt_sem_seg.data[0].numpy(), gt)
    assert int(preds[0].gt_label) == int(gt.max() > 0)


def test_out_dir_and_predictions(cadnet_inferencer, paired_root, tmp_path):
    samples, templates, masks = pair_paths(paired_root)
    out = cadnet_inferencer([
        dict(
            img_path=samples[0],
            template_path=templates[0],
            seg_map_path=masks[0])
    ],
                            out_dir=str(tmp_path))
    pred = out['predictions'][0]
    assert set(pred) == {'sem_seg', 'score', 'label', 'distance_map'}
    assert pred['label'] == int(pred['score'] >= 0.5)  # uncalibrated
    written = cv2.imread(
        str(tmp_path / 'pred' / 'test_0.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, pred['sem_seg'])
    panel = cv2.imread(str(tmp_path / 'vis' / 'test_0.png'))
    # sample | template | prediction | DistMap | ground truth | errors
    assert panel.shape[1] > 6 * 64


def test_input_errors(cadnet, cadnet_inferencer, segformer_inferencer,
                      paired_root, tmp_path):
    samples, templates, _ = pair_paths(paired_root)
    # The caller builds and keeps the inferencer; a bare model is refused.
    with pytest.raises(TypeError, match='DefectInferencer\\(model\\)'):
        inference_pair(cadnet, samples[0], templates[0])
    with pytest.raises(ValueError, match='as \\[sample, template\\]'):
        inference_pair(cadnet_inferencer, samples[0])
    with pytest.raises(ValueError, match='without a template'):
        inference_pair(segformer_inferencer, samples[0], templates[0])
    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.zeros((32, 48, 3), np.uint8))
    with pytest.raises(ValueError) as err:
        inference_pair(cadnet_inferencer, samples[0], str(small))
    assert samples[0] in str(err.value) and str(small) in str(err.value)
    with pytest.raises(ValueError, match='4 sample.*2 templates'):
        inference_pair(cadnet_inferencer, samples, templates[:2])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_pair(cadnet_inferencer, samples[0],
                       str(tmp_path / 'missing.png'))
    with pytest.raises(ValueError, match='H x W x 3 BGR uint8'):
        inference_pair(cadnet_inferencer, np.zeros((64, 64), np.uint8),
                       templates[0])


def test_single_image_model(segformer_inferencer, paired_root):
    samples, _, _ = pair_paths(paired_root)
    results = inference_pair(segformer_inferencer, samples[:2])
    assert results[0].probs.shape == (3, 64, 64)
    assert results[0].heat_maps == {}
    assert not segformer_inferencer.paired


def test_one_channel_sigmoid_head(repo, paired_root):
    model = init_model(
        f'{repo}/{CADNET}',
        cfg_options={
            'model.decode_head.num_classes': 2,
            'model.decode_head.out_channels': 1,
            'model.decode_head.threshold': 0.5,
            'model.decode_head.loss_decode.use_sigmoid': True,
        })
    samples, templates, _ = pair_paths(paired_root)
    res = inference_pair(DefectInferencer(model), samples[0], templates[0])
    assert res.probs.shape == (1, 64, 64)
    assert 0 <= res.probs.min() and res.probs.max() <= 1
    assert res.score == pytest.approx(float(res.probs.max()))
    np.testing.assert_array_equal(res.mask, res.probs[0] > 0.5)


def test_inferencer_from_a_config_file(repo, cadnet_ckpt, paired_root):
    inferencer = DefectInferencer(
        f'{repo}/{CADNET}', cadnet_ckpt, device='cpu')
    samples, templates, _ = pair_paths(paired_root)
    out = inferencer([samples[0], templates[0]], return_vis=True)
    assert out['predictions'][0]['sem_seg'].shape == (64, 64)
    assert out['visualization'][0].ndim == 3
    with pytest.raises(TypeError, match='config file'):
        DefectInferencer(42)

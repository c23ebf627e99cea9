"""init_model / inference_pair on the tiny 64x64 paired dataset."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmdefect.apis import inference_pair, init_model, prepare_batch

CADNET = 'configs/cadnet/cadnet_synlcd-quickstart.py'  # no test-time resize
SEGFORMER = 'configs/baselines/segformer_mit-b0_synlcd-512.py'


def pair_paths(root, split='test'):
    lines = (root / 'splits' / f'{split}.txt').read_text().split('\n')
    parts = [line.split() for line in lines if line.strip()]
    return ([str(root / p[0]) for p in parts],
            [str(root / p[1]) for p in parts])


@pytest.fixture(scope='module')
def cadnet_ckpt(repo, tmp_path_factory):
    """Random-init CADNet saved as a Runner-style checkpoint with meta."""
    model = init_model(f'{repo}/{CADNET}')
    path = tmp_path_factory.mktemp('ckpt') / 'cadnet.pth'
    meta = dict(classes=('bg', 'scratch', 'spot'),
                palette=[[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=meta)), path)
    return str(path)


@pytest.fixture(scope='module')
def cadnet(repo, cadnet_ckpt):
    return init_model(f'{repo}/{CADNET}', cadnet_ckpt)


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


def test_batched_equals_one_by_one(cadnet, paired_root):
    samples, templates = pair_paths(paired_root)
    batched = inference_pair(cadnet, samples, templates, batch_size=3)
    assert len(batched) == len(samples) == 4
    for sample, template, res in zip(samples, templates, batched):
        one = inference_pair(cadnet, sample, template)
        np.testing.assert_array_equal(res.mask, one.mask)
        np.testing.assert_allclose(res.probs, one.probs, atol=1e-5)
        assert res.score == pytest.approx(one.score, abs=1e-5)
        assert res.heat_maps.keys() == one.heat_maps.keys()
        for name, values in res.heat_maps.items():
            np.testing.assert_allclose(values, one.heat_maps[name],
                                       rtol=1e-4, atol=1e-5)


def test_result_fields(cadnet, paired_root):
    samples, templates = pair_paths(paired_root)
    res = inference_pair(cadnet, samples[0], templates[0])
    assert res.mask.shape == (64, 64) and res.mask.dtype == np.uint8
    assert res.probs.shape == (3, 64, 64) and res.probs.dtype == np.float32
    np.testing.assert_allclose(res.probs.sum(0), 1, atol=1e-5)
    np.testing.assert_array_equal(res.mask, res.probs.argmax(0))
    assert res.score == pytest.approx(float(res.probs[1:].max()))
    # The heat map is CADNet's DistMap (Eq. 7) resized to the image.
    data = cadnet.data_preprocessor(
        prepare_batch(cadnet, samples[:1], templates[:1]), False)
    with torch.no_grad():
        dist = cadnet.extract_feat(data['inputs'])[-1]  # (1, 1, 16, 16)
    expected = F.interpolate(dist, size=(64, 64), mode='bilinear',
                             align_corners=False)[0, 0].numpy()
    head = cadnet.auxiliary_head
    name = getattr(head, 'heat_map_name', 'distance_contrast')
    assert list(res.heat_maps) == [name]
    np.testing.assert_allclose(res.heat_maps[name], expected, rtol=1e-4,
                               atol=1e-5)


def test_arrays_and_paths_agree(cadnet, paired_root):
    samples, templates = pair_paths(paired_root)
    from_paths = inference_pair(cadnet, samples[:2], templates[:2])
    arrays = [cv2.imread(p) for p in samples[:2]]
    # One template array for all samples is allowed: both use templates[0].
    shared = inference_pair(cadnet, arrays, cv2.imread(templates[0]))
    np.testing.assert_allclose(shared[0].probs, from_paths[0].probs,
                               atol=1e-5)
    assert not np.allclose(shared[1].probs, from_paths[1].probs, atol=1e-5)


def test_input_errors(cadnet, paired_root, tmp_path):
    samples, templates = pair_paths(paired_root)
    with pytest.raises(ValueError, match='give template'):
        inference_pair(cadnet, samples[0])
    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.zeros((32, 48, 3), np.uint8))
    with pytest.raises(ValueError) as err:
        inference_pair(cadnet, samples[0], str(small))
    assert samples[0] in str(err.value) and str(small) in str(err.value)
    with pytest.raises(ValueError, match='4 sample.*2 templates'):
        inference_pair(cadnet, samples, templates[:2])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_pair(cadnet, samples[0], str(tmp_path / 'missing.png'))
    with pytest.raises(ValueError, match='H x W x 3 BGR uint8'):
        inference_pair(cadnet, np.zeros((64, 64), np.uint8), templates[0])


def test_predict_score_hook(cadnet, paired_root, monkeypatch):
    samples, templates = pair_paths(paired_root)
    calls = []

    def predict_score(inputs, data_samples):
        calls.append(tuple(inputs.shape))
        return torch.arange(len(data_samples), dtype=torch.float32) / 10

    monkeypatch.setattr(cadnet, 'predict_score', predict_score,
                        raising=False)
    results = inference_pair(cadnet, samples[:3], templates[:3])
    assert [r.score for r in results] == pytest.approx([0.0, 0.1, 0.2])
    assert calls == [(3, 6, 64, 64)]


def test_single_image_model(repo, paired_root):
    cfg = Config.fromfile(f'{repo}/{SEGFORMER}')
    # Drop the 512x512 test resize to stay at the tiny image size.
    cfg.test_dataloader.dataset.pipeline = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] != 'Resize'
    ]
    model = init_model(cfg)
    samples, templates = pair_paths(paired_root)
    with pytest.raises(ValueError, match='give no template'):
        inference_pair(model, samples[0], templates[0])
    results = inference_pair(model, samples[:2])
    assert results[0].probs.shape == (3, 64, 64)
    assert results[0].heat_maps == {}


def test_one_channel_sigmoid_head(repo, paired_root):
    model = init_model(
        f'{repo}/{CADNET}',
        cfg_options={
            'model.decode_head.num_classes': 2,
            'model.decode_head.out_channels': 1,
            'model.decode_head.loss_decode.use_sigmoid': True,
        })
    samples, templates = pair_paths(paired_root)
    res = inference_pair(model, samples[0], templates[0])
    assert res.probs.shape == (1, 64, 64)
    assert 0 <= res.probs.min() and res.probs.max() <= 1
    assert res.score == pytest.approx(float(res.probs.max()))
    threshold = model.decode_head.threshold
    np.testing.assert_array_equal(res.mask, res.probs[0] > threshold)

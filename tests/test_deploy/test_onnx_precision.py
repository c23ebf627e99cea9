"""FP16 and INT8 variants of an exported decision (quantize_onnx.py) and
their benchmark against FP32 (benchmark_precision.py)."""
import json

import numpy as np
import onnx
import pytest
import torch

SIAMESE = 'configs/baselines/siamese_r18_unet_synocd-256.py'


@pytest.fixture(scope='module')
def exported(tool, repo, tmp_path_factory):
    """A random-init Siamese difference exported at 64 x 64, and random
    pairs for calibration and checks."""
    from mmdefect.apis import init_model
    from mmdefect.utils import setup_runtime
    setup_runtime()
    work = tmp_path_factory.mktemp('precision')
    torch.manual_seed(0)
    ckpt = work / 'model.pth'
    torch.save(
        dict(state_dict=init_model(f'{repo}/{SIAMESE}').state_dict()), ckpt)
    out = work / 'model.onnx'
    assert tool('tools/deployment/export_onnx.py').main([
        f'{repo}/{SIAMESE}',
        str(ckpt), '--out',
        str(out), '--shape', '64', '64', '--threshold', '0.5'
    ]) == 0
    rng = np.random.default_rng(3)
    feeds = [{
        name: rng.integers(0, 256, (1, 64, 64, 3), np.uint8)
        for name in ('sample', 'template')
    } for _ in range(6)]
    return work, out, feeds


def run(runtime, path, feed):
    model = runtime.DefectOnnxModel(str(path), threads=1)
    return model, model(feed['sample'], feed['template'])


def test_variants_keep_inputs_outputs_and_operating_point(tool, exported):
    quantize = tool('tools/deployment/quantize_onnx.py')
    runtime = tool('tools/deployment/onnx_infer.py')
    work, source, feeds = exported
    base, ref = run(runtime, source, feeds[5])
    for precision, tolerance in (('fp16', 2e-3), ('int8', 5e-2)):
        path = work / f'{precision}.onnx'
        quantize.write_variant(
            str(source), precision, str(path),
            feeds[:5] if precision == 'int8' else None)
        model, out = run(runtime, path, feeds[5])
        assert model.meta.pop('precision') == precision
        assert model.meta == base.meta  # thresholds, layout, hash
        for key in ('heat_map', 'mask', 'score', 'decision'):
            assert out[key].dtype == ref[key].dtype
            assert out[key].shape == ref[key].shape
        # Another image than the calibration's; random weights give
        # probabilities near 0.5, so the differences are the precision's.
        diff = np.abs(out['heat_map'] - ref['heat_map']).max()
        assert 0 < diff < tolerance, (precision, diff)
        assert abs(out['score'] - ref['score']).max() < tolerance
    ops = {n.op_type for n in onnx.load(str(work / 'int8.onnx')).graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear', 'Conv'} <= ops
    assert (work / 'fp16.onnx').stat().st_size < 0.6 * source.stat().st_size


def test_bad_requests_write_nothing(tool, exported, tmp_path):
    quantize = tool('tools/deployment/quantize_onnx.py')
    work, source, _ = exported
    out = tmp_path / 'int8.onnx'
    with pytest.raises(ValueError, match='int8 needs --calibration'):
        quantize.write_variant(str(source), 'int8', str(out))
    bare = tmp_path / 'bare.onnx'
    proto = onnx.load(str(source))
    del proto.metadata_props[:]
    onnx.save(proto, str(bare))
    with pytest.raises(ValueError, match='has no mmdefect metadata'):
        quantize.write_variant(str(bare), 'fp16', str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['bare.onnx']


def test_scores_against_a_naive_count(tool):
    scores = tool('tools/deployment/benchmark_precision.py').scores
    heat = np.array([[0.9, 0.2], [0.6, 0.1]], np.float32)
    outputs = [
        dict(
            heat_map=heat[None],
            mask=(heat > 0.5)[None].astype(np.uint8),
            score=np.array([0.9])),
        dict(
            heat_map=np.full((1, 2, 2), 0.3, np.float32),
            mask=np.zeros((1, 2, 2), np.uint8),
            score=np.array([0.3])),
        dict(
            heat_map=np.full((1, 2, 2), 0.7, np.float32),
            mask=np.ones((1, 2, 2), np.uint8),
            score=np.array([0.7])),
    ]
    truths = [(np.array([[1, 1], [0, 255]]), 1), (np.zeros((2, 2)), 0),
              (None, 0)]  # a label-only image counts for the image AP only
    result = scores(outputs, truths)
    # Masks: TP 1 (0.9), FP 1 (0.6), FN 1 (0.2); the ignored pixel is out.
    assert result['IoU'] == pytest.approx(100 / 3)
    # Ranked pixels 0.9 (defect), 0.6, 0.3 x 4, 0.2 (defect): precision at
    # the two defects 1 and 2/7.
    assert result['pixel_AP'] == pytest.approx(100 * (1 + 2 / 7) / 2)
    # Images 0.9 (defective), 0.7, 0.3: AP 1.
    assert result['image_AP'] == pytest.approx(100)


def test_benchmark_of_a_leaderboard_part(tool, repo, exported, synocd_root,
                                         tmp_path, capsys):
    bench = tool('tools/deployment/benchmark_precision.py')
    work = exported[0]
    config = tmp_path / 'siamese_tiny.py'
    config.write_text(f"_base_ = '{repo}/{SIAMESE}'\n"
                      f"data_root = '{synocd_root}'\n"
                      'val_dataloader = dict(dataset=dict(data_root='
                      'data_root))\n'
                      'test_dataloader = dict(dataset=dict(data_root='
                      'data_root))\n')
    board = tmp_path / 'leaderboard.json'
    part = dict(trained_config=str(config), checkpoint=str(work / 'model.pth'))
    gone = dict(trained_config=str(config), checkpoint=str(tmp_path / 'no'))
    board.write_text(
        json.dumps(
            dict(
                synocd=dict(
                    tiny=dict(parts={
                        'Siamese difference': part,
                        'BANet': gone
                    })))))
    out = tmp_path / 'rows.json'
    assert bench.main([
        '--leaderboard',
        str(board), '--calibration-images', '4', '--max-images', '4',
        '--threads', '1', '--out',
        str(out)
    ]) == 0
    result = json.loads(out.read_text())
    assert result['missing'] == ['BANet']
    rows = {r['precision']: r for r in result['rows']}
    assert list(rows) == ['fp32', 'fp16', 'int8']
    assert rows['fp32']['IoU_delta'] == rows['fp32']['pixel_AP_delta'] == 0
    assert rows['fp32']['speed_ratio'] == 1
    for row in rows.values():
        assert row['images'] == 4
        assert 0 <= row['decisions_changed'] <= 4
        assert 0 <= row['pixel_AP'] <= 100
    text = capsys.readouterr().out
    assert '| Siamese difference | int8 |' in text
    assert 'not measured (checkpoint not on disk): BANet' in text

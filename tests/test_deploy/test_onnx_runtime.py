"""tools/deployment/onnx_infer.py: the same outputs as tools/infer.py with
PyTorch unimportable, and clear errors on bad input."""
import csv
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest
import torch

from mmdefect.apis import init_model

CONFIG = 'configs/baselines/siamese_r18_unet_synlcd-256_defect.py'
# sitecustomize of the child process: PyTorch and OpenMMLab cannot be
# imported, as on a line computer that has neither.
BLOCKER = '''
import sys
BLOCKED = {"torch", "torchvision", "mmdefect", "mmcv", "mmengine", "mmseg",
           "mmpretrain"}
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
sys.meta_path.insert(0, Blocker())
'''


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    """sample/ and template/ of four 64x64 pairs, a pair of two sizes and
    a sample without template."""
    root = tmp_path_factory.mktemp('pairs')
    rng = np.random.default_rng(0)
    for sub in ('sample', 'template'):
        (root / sub).mkdir()
    for i in range(4):
        small = rng.integers(0, 256, (8, 8, 3), np.uint8)
        template = cv2.resize(small, (64, 64), interpolation=cv2.INTER_CUBIC)
        sample = template.copy()
        if i % 2 == 0:
            sample[20:24] = 255
        cv2.imwrite(str(root / 'sample' / f'p{i}.png'), sample)
        cv2.imwrite(str(root / 'template' / f'p{i}.png'), template)
    cv2.imwrite(
        str(root / 'sample' / 'q_sizes.png'), np.zeros((64, 64, 3), np.uint8))
    cv2.imwrite(
        str(root / 'template' / 'q_sizes.png'), np.zeros((32, 64, 3),
                                                         np.uint8))
    cv2.imwrite(
        str(root / 'sample' / 'r_alone.png'), np.zeros((64, 64, 3), np.uint8))
    return root


@pytest.fixture(scope='module')
def exported(repo, tool, folder, tmp_path_factory):
    """A random-init Siamese baseline exported at a threshold between the
    image scores of the folder's pairs; the checkpoint and the threshold."""
    from mmdefect.apis import DefectInferencer
    work = tmp_path_factory.mktemp('export')
    torch.manual_seed(0)
    ckpt = work / 'model.pth'
    torch.save(
        dict(state_dict=init_model(f'{repo}/{CONFIG}').state_dict()), ckpt)
    inferencer = DefectInferencer(f'{repo}/{CONFIG}', str(ckpt), device='cpu')
    pairs = [[
        str(folder / sub / f'p{i}.png') for sub in ('sample', 'template')
    ] for i in range(4)]
    scores = sorted(p['score'] for p in inferencer(pairs)['predictions'])
    threshold = round((scores[1] + scores[2]) / 2, 6)
    export = tool('tools/deployment/export_onnx.py')
    out = work / 'model.onnx'
    assert export.main([
        f'{repo}/{CONFIG}',
        str(ckpt), '--out',
        str(out), '--shape', '64', '64', '--threshold',
        str(threshold)
    ]) == 0
    return str(ckpt), str(out), threshold


def test_runtime_without_torch_matches_infer(repo, tool, folder, exported,
                                             tmp_path):
    ckpt, model, threshold = exported
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'sitecustomize.py').write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=str(site))
    blocked = subprocess.run([sys.executable, '-c', 'import torch'],
                             env=env,
                             capture_output=True,
                             text=True)
    assert blocked.returncode != 0 and 'blocked' in blocked.stderr
    out = tmp_path / 'onnx'
    proc = subprocess.run([
        sys.executable, f'{repo}/tools/deployment/onnx_infer.py', model,
        '--pairs',
        str(folder), '--out',
        str(out), '--batch-size', '3'
    ],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 1, proc.stderr  # the two bad inputs
    assert 'q_sizes.png' in proc.stderr and 'r_alone.png' in proc.stderr

    infer = tool('tools/infer.py')
    reference = tmp_path / 'infer'
    assert infer.main([
        f'{repo}/{CONFIG}', ckpt, '--pairs',
        str(folder), '--out',
        str(reference), '--threshold',
        str(threshold)
    ]) == 1
    with open(out / 'summary.csv') as f:
        rows = list(csv.DictReader(f))
    with open(reference / 'summary.csv') as f:
        expected = list(csv.DictReader(f))
    assert list(rows[0]) == list(expected[0])  # the same columns
    assert [r['status'] for r in rows] == ['ok'] * 4 + ['error'] * 2
    assert [r['status'] for r in expected] == [r['status'] for r in rows]
    assert {r['decision'] for r in rows[:4]} == {'0', '1'}
    for row, ref in zip(rows[:4], expected):
        assert abs(float(row['score']) - float(ref['score'])) <= 1e-4
        assert (row['decision'], row['area_defect'],
                row['output']) == (ref['decision'], ref['area_defect'],
                                   ref['output'])
        mask = cv2.imread(
            str(out / 'masks' / f"{row['output']}.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(
            mask,
            cv2.imread(
                str(reference / 'masks' / f"{row['output']}.png"),
                cv2.IMREAD_UNCHANGED))
        panel = cv2.imread(str(out / 'overlays' / f"{row['output']}.png"))
        assert panel.shape == (256, 4 * 256 + 3 * 4, 3)
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['operating_point'] == dict(
        pixel_threshold=threshold, image_threshold=threshold)
    assert '(32, 64, 3)' in summary['results'][4]['error']
    assert 'r_alone.png' in summary['results'][5]['error']


def test_bad_inputs_named(tool, exported, tmp_path):
    runtime = tool('tools/deployment/onnx_infer.py')
    model = runtime.DefectOnnxModel(exported[1])
    assert model.paired and model.input_size is None
    image = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match=r'sample: expected an H x W x 3'):
        model(np.zeros((64, 64, 4), np.uint8), image)
    with pytest.raises(ValueError, match='template: expected uint8 pixels'):
        model(image, image.astype(np.float32))
    with pytest.raises(ValueError, match='differ in size'):
        model(image, np.zeros((64, 96, 3), np.uint8))
    with pytest.raises(ValueError, match='give sample and template'):
        model(image)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        model.read(str(tmp_path / 'missing.png'))

    bare = tmp_path / 'bare.onnx'
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node('Identity', ['x'], ['y'])], 'bare',
        [onnx.helper.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [1])])
    onnx.save(onnx.helper.make_model(graph), str(bare))
    with pytest.raises(ValueError, match='no mmdefect metadata'):
        runtime.DefectOnnxModel(str(bare))


def test_fixed_size_export_refuses_other_sizes(repo, tool, exported, tmp_path):
    runtime = tool('tools/deployment/onnx_infer.py')
    export = tool('tools/deployment/export_onnx.py')
    out = tmp_path / 'fixed.onnx'
    assert export.main([
        f'{repo}/{CONFIG}', exported[0], '--out',
        str(out), '--shape', '64', '64', '--fixed-size'
    ]) == 0
    model = runtime.DefectOnnxModel(str(out))
    assert model.input_size == (64, 64)
    assert model.meta['operating_point'].startswith('uncalibrated')
    assert model.operating_point['pixel_threshold'] is None
    image = np.zeros((2, 64, 64, 3), np.uint8)
    assert model(image, image)['mask'].shape == (2, 64, 64)
    with pytest.raises(ValueError, match='exported for 64x64 images only'):
        model(np.zeros((32, 64, 3), np.uint8), np.zeros((32, 64, 3), np.uint8))


def test_one_channel_model(repo, tool, tmp_path):
    """MFFPA on grey DAGM images: the graph takes H x W x 1, the runtime
    reads files as the config's grayscale loader does, and the result is
    DefectInferencer's."""
    from mmdefect.apis import DefectInferencer
    config = f'{repo}/configs/mffpa/mffpa_dagm-n0.py'
    torch.manual_seed(0)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=init_model(config).state_dict()), ckpt)
    out = tmp_path / 'model.onnx'
    assert tool('tools/deployment/export_onnx.py').main(
        [config, str(ckpt), '--out',
         str(out), '--shape', '64', '64']) == 0
    model = tool('tools/deployment/onnx_infer.py').DefectOnnxModel(str(out))
    assert (model.channels, model.meta['color_type']) == (1, 'grayscale')
    image = tmp_path / 'grey.png'
    cv2.imwrite(
        str(image),
        np.random.default_rng(0).integers(0, 256, (64, 80), np.uint8))
    outputs = model(model.read(str(image)))
    pred = DefectInferencer(
        config, str(ckpt), device='cpu')(str(image))['predictions'][0]
    assert abs(outputs['score'][0] - pred['score']) <= 1e-4
    assert outputs['decision'][0] == pred['label']
    np.testing.assert_array_equal(outputs['mask'][0], pred['sem_seg'])
    with pytest.raises(ValueError, match=r'expected an H x W x 1 image'):
        model(np.zeros((64, 64, 3), np.uint8))

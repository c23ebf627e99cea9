"""tools/infer.py and tools/deployment/export_onnx.py on the tiny dataset.

The tools are run in-process through their ``main(argv)`` (a subprocess
would spend most of the time importing the OpenMMLab stack again).
"""
import csv
import json
import shutil

import cv2
import numpy as np
import onnx
import pytest
import torch

from mmdefect.apis import DefectInferencer, init_model

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'  # no test resize


@pytest.fixture(scope='module')
def ckpt(repo, tmp_path_factory):
    """Random-init CADNet weights (the same network in both configs)."""
    model = init_model(f'{repo}/{QUICK}')
    path = tmp_path_factory.mktemp('ckpt') / 'cadnet.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def files_under(folder):
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob('*')
        if p.is_file())


def test_infer_list_file_with_bad_pairs(tool, repo, paired_root, ckpt,
                                        tmp_path, capsys):
    infer = tool('tools/infer.py')
    root = tmp_path / 'pairs'
    shutil.copytree(paired_root, root)
    cv2.imwrite(str(root / 'small.png'), np.zeros((32, 48, 3), np.uint8))
    # A dataset list file (relative to the data root, masks in the third
    # column) with two bad pairs appended.
    lines = (root / 'splits' / 'test.txt').read_text().strip().split('\n')
    lines += [
        'images/test_0.png templates/missing.png', 'small.png templates/t0.png'
    ]
    list_file = root / 'splits' / 'infer.txt'
    list_file.write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'out'

    code = infer.main([
        f'{repo}/{QUICK}', ckpt, '--pairs',
        str(list_file), '--root',
        str(root), '--out',
        str(out), '--batch-size', '3', '--threshold', '0.5'
    ])
    assert code == 1  # some pairs failed, the others were written
    err = capsys.readouterr().err
    assert 'missing.png' in err and 'small.png' in err
    stems = ['test_0', 'test_1', 'test_2', 'test_3']
    assert files_under(out) == sorted(
        [f'masks/{s}.png'
         for s in stems] + [f'overlays/{s}.png' for s in stems] +
        ['summary.csv', 'summary.json'])  # no temporary files left

    summary = json.loads((out / 'summary.json').read_text())
    rows = summary['results']
    assert [r['status'] for r in rows] == ['ok'] * 4 + ['error'] * 2
    assert 'missing.png' in rows[4]['error']
    assert 'small.png' in rows[5]['error']
    assert '(32, 48, 3)' in rows[5]['error']
    with open(out / 'summary.csv') as f:
        assert [r['status']
                for r in csv.DictReader(f)] == [r['status'] for r in rows]
    for row in rows[:4]:
        mask = cv2.imread(
            str(out / 'masks' / f"{row['output']}.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (64, 64) and mask.max() <= 2
        assert row['area_line'] == int((mask == 1).sum())
        assert row['area_abpt'] == int((mask == 2).sum())
        assert row['decision'] == (row['score'] >= 0.5)
        assert row['mask'].endswith(f"masks/{row['output']}.png")
    # sample | template | prediction | defect probability | distance_map |
    # ground truth | errors at 256 px tiles.
    panel = cv2.imread(str(out / 'overlays' / 'test_0.png'))
    assert panel.shape[1] == 7 * 256 + 6 * 4


def test_list_file_paths_relative_to_its_folder(repo, ckpt, tmp_path):
    """The test dataset's parsing: columns sample template mask, '-' for a
    missing value, trailing values optional, paths relative to the list
    file's folder or to --root."""
    inferencer = DefectInferencer(f'{repo}/{QUICK}', ckpt, device='cpu')
    list_file = tmp_path / 'lists' / 'pairs.txt'
    list_file.parent.mkdir()
    list_file.write_text('a.png t.png m.png\n\nsub/b.png t.png\nc.png - -\n')
    items = inferencer.dataset_items(str(list_file))
    folder = str(list_file.parent)
    assert items[0]['img_path'] == f'{folder}/a.png'
    assert items[0]['template_path'] == f'{folder}/t.png'
    assert items[0]['seg_map_path'] == f'{folder}/m.png'
    assert items[1]['img_path'] == f'{folder}/sub/b.png'
    assert 'seg_map_path' not in items[1]
    assert 'template_path' not in items[2]
    assert inferencer.dataset_items(str(list_file),
                                    '/data')[0]['img_path'] == '/data/a.png'


def test_infer_folder_layout(tool, repo, paired_root, ckpt, tmp_path):
    infer = tool('tools/infer.py')
    folder = tmp_path / 'ocd'
    for sub in ('sample', 'template'):
        (folder / sub).mkdir(parents=True)
    for i in range(2):
        shutil.copy(paired_root / 'images' / f'test_{i}.png',
                    folder / 'sample' / f'x{i}.png')
        shutil.copy(paired_root / 'templates' / f't{i % 2}.png',
                    folder / 'template' / f'x{i}.png')
    out = tmp_path / 'out'
    assert infer.main(
        [f'{repo}/{QUICK}', ckpt, '--pairs',
         str(folder), '--out',
         str(out)]) == 0
    rows = json.loads((out / 'summary.json').read_text())['results']
    assert [r['output'] for r in rows] == ['x0', 'x1']
    assert all(r['status'] == 'ok' and r['mask'] == '' for r in rows)
    # No mask given: no error tile (sample | template | prediction |
    # defect probability | dist).
    panel = cv2.imread(str(out / 'overlays' / 'x0.png'))
    assert panel.shape[1] == 5 * 256 + 4 * 4


def test_export_cadnet_uncalibrated(tool, repo, paired_root, ckpt, tmp_path):
    """The three-class CADNet without an operating point: arg-max masks and
    0.5 decisions in the graph, equal to DefectInferencer's on real pairs
    (a batch of two), the tool's own check on a real pair included."""
    export = tool('tools/deployment/export_onnx.py')
    runtime = tool('tools/deployment/onnx_infer.py')
    out = tmp_path / 'cadnet.onnx'
    sample = str(paired_root / 'images' / 'test_0.png')
    template = str(paired_root / 'templates' / 't0.png')
    assert export.main([
        f'{repo}/{QUICK}', ckpt, '--out',
        str(out), '--shape', '64', '64', '--verify-pair', sample, template
    ]) == 0
    assert files_under(tmp_path) == [out.name]
    proto = onnx.load(str(out))
    assert [i.name for i in proto.graph.input] == ['sample', 'template']
    assert [o.name for o in proto.graph.output
            ] == ['heat_map', 'mask', 'score', 'decision']
    model = runtime.DefectOnnxModel(str(out))
    assert model.classes == ['background', 'line', 'abpt']
    # MiT: dynamic without the exporter's shape inference.
    assert model.input_size is None
    assert model.meta['normalisation'] == dict(
        bgr_to_rgb=True,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375])
    assert model.meta['size_divisor'] == 32
    assert model.meta['operating_point'].startswith('uncalibrated')
    assert model.operating_point == dict(
        pixel_threshold=None, image_threshold=0.5)

    inferencer = DefectInferencer(f'{repo}/{QUICK}', ckpt, device='cpu')
    samples = [sample, str(paired_root / 'images' / 'test_1.png')]
    templates = [template, str(paired_root / 'templates' / 't1.png')]
    preds = inferencer([[s, t] for s, t in zip(samples, templates)],
                       return_datasamples=True)['predictions']
    outputs = model(
        np.stack([cv2.imread(s) for s in samples]),
        np.stack([cv2.imread(t) for t in templates]))
    assert outputs['mask'].shape == (2, 64, 64)
    for i, pred in enumerate(preds):
        probs = pred.seg_logits.data.softmax(0)
        np.testing.assert_allclose(
            outputs['heat_map'][i], probs[1:].max(0)[0].numpy(), atol=1e-4)
        np.testing.assert_array_equal(outputs['mask'][i],
                                      pred.pred_sem_seg.data[0].numpy())
        assert abs(outputs['score'][i] - float(pred.pred_score)) <= 1e-4
        assert outputs['decision'][i] == int(pred.pred_label)


def test_export_failing_verification_writes_nothing(tool, repo, ckpt, tmp_path,
                                                    capsys):
    export = tool('tools/deployment/export_onnx.py')
    out = tmp_path / 'model.onnx'
    # Real float32 differences between onnxruntime and PyTorch (~1e-7)
    # exceed a tolerance of 1e-12 in every way of exporting.
    assert export.main([
        f'{repo}/{QUICK}', ckpt, '--out',
        str(out), '--shape', '64', '64', '--tolerance', '1e-12'
    ]) == 1
    captured = capsys.readouterr()
    assert 'dynamic size failed' in captured.out
    assert "without the exporter's shape inference failed" in captured.out
    assert 'verification failed' in captured.err
    assert files_under(tmp_path) == []

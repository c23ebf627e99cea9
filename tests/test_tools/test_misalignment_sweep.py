"""tools/analysis_tools/misalignment_sweep.py on a tiny SynOCD with a
random-init checkpoint."""
import csv
import importlib.util
import json
import os.path as osp

import pytest
import torch

from mmdefect.apis import init_model
from mmdefect.datasets.synocd_generator import generate_synocd, sweep_names

CONFIG = 'configs/baselines/siamese_r18_unet_synocd-256.py'


def load_tool(repo):
    spec = importlib.util.spec_from_file_location(
        'misalignment_sweep',
        f'{repo}/tools/analysis_tools/misalignment_sweep.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def synocd(tmp_path_factory):
    root = tmp_path_factory.mktemp('sweep') / 'synocd'
    generate_synocd(
        root,
        size=128,
        counts=dict.fromkeys(('component_pollution', 'component_breakage',
                              'wire_count', 'base_crushing', 'base_scratch'),
                             5))
    return root


def test_sweep_writes_csv_and_plot(repo, synocd, tmp_path, capsys):
    tool = load_tool(repo)
    model = init_model(f'{repo}/{CONFIG}')
    ckpt = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = tmp_path / 'out'
    config = f'{repo}/{CONFIG}'
    assert tool.main([
        config,
        str(ckpt), config,
        str(ckpt), '--names', 'siamese', 'again', '--data-root',
        str(synocd), '--out',
        str(out), '--batch-size', '4'
    ]) == 0
    with open(out / 'sweep.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(sweep_names())
    settings = {(int(r['translation']), int(r['rotation'])) for r in rows}
    assert settings == set(sweep_names())
    for row in rows:
        assert 0 <= float(row['defect.IoU']) <= 100
        assert 0 <= float(row['defect.AP_pixel']) <= 100
    # The same weights give the same numbers: the evaluation is
    # deterministic.
    first = [(r['defect.IoU'], r['defect.AP_pixel']) for r in rows
             if r['model'] == 'siamese']
    second = [(r['defect.IoU'], r['defect.AP_pixel']) for r in rows
              if r['model'] == 'again']
    assert first == second
    png = (out / 'sweep.png').read_bytes()
    assert png.startswith(b'\x89PNG') and len(png) > 10000
    assert 't= 0px r= 0deg' in capsys.readouterr().out


def test_join_adds_an_earlier_runs_models(repo, synocd, tmp_path):
    tool = load_tool(repo)
    model = init_model(f'{repo}/{CONFIG}')
    ckpt = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    earlier = tmp_path / 'earlier.csv'
    columns = [
        'model', 'registered', 'translation', 'rotation', *tool.METRICS,
        *tool.ALIGNMENT
    ]
    with open(earlier, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for translation, rotation in sweep_names():
            if 0 in (translation, rotation):
                writer.writerow(
                    dict(
                        model='earlier',
                        registered=1,
                        translation=translation,
                        rotation=rotation,
                        alignment_correlation=0.95,
                        ecc_fraction=1.0,
                        **dict.fromkeys(tool.METRICS, 12.5)))
    out = tmp_path / 'out'
    args = [
        f'{repo}/{CONFIG}',
        str(ckpt), '--data-root',
        str(synocd), '--out',
        str(out), '--axes-only', '--join',
        str(earlier)
    ]
    with pytest.raises(ValueError, match="'earlier'.*rename one"):
        tool.main([*args, '--names', 'earlier'])
    assert not out.exists()  # refused before anything was evaluated
    assert tool.main([*args, '--names', 'now']) == 0
    with open(out / 'sweep.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['model'] for r in rows] == ['earlier'] * 8 + ['now'] * 8
    joined = rows[0]
    assert (joined['registered'], joined['defect.IoU'],
            joined['alignment_correlation']) == ('1', '12.5', '0.95')
    assert rows[8]['alignment_correlation'] == ''
    labels = tool.plot(
        tool.read_rows(str(out / 'sweep.csv')), str(tmp_path / 'again.png'))
    assert labels == ['earlier + registration', 'now']
    bad = tmp_path / 'bad.csv'
    bad.write_text('a,b\n1,2\n')
    with pytest.raises(ValueError, match='not a sweep.csv'):
        tool.read_rows(str(bad))
    with pytest.raises(FileNotFoundError, match='missing.csv'):
        tool.read_rows(str(tmp_path / 'missing.csv'))


def test_sweep_needs_sweep_annotations(repo, tmp_path):
    tool = load_tool(repo)
    with pytest.raises(FileNotFoundError, match='no sweep annotations'):
        tool.sweep_files(str(tmp_path))


def test_scenes_keep_the_listed_scenes_of_every_setting(
        repo, synocd, tmp_path):
    tool = load_tool(repo)
    files = tool.sweep_files(str(synocd))
    with open(synocd / files[(0, 0)]) as f:
        control = json.load(f)['data_list']
    listed = tmp_path / 'held_out.json'
    listed.write_text(json.dumps(dict(data_list=control[:2])))
    reduced = tool.keep_scenes(files, str(synocd), str(listed),
                               str(tmp_path / 'out'))
    assert reduced.keys() == files.keys()
    names = {osp.basename(item['img_path']) for item in control[:2]}
    for key, path in reduced.items():
        with open(path) as f:
            items = json.load(f)['data_list']
        assert {osp.basename(item['img_path']) for item in items} == names
        # The poses of that setting, not the control's.
        assert all(f't{key[0]:02d}_r{key[1]:02d}' in item['img_path']
                   for item in items)
    listed.write_text(
        json.dumps(dict(data_list=[dict(img_path='images/elsewhere.png')])))
    with pytest.raises(ValueError, match='holds none of the scenes'):
        tool.keep_scenes(files, str(synocd), str(listed), str(tmp_path))


def test_register_adds_registered_curves_of_the_plotted_settings(
        repo, synocd, tmp_path):
    tool = load_tool(repo)
    model = init_model(f'{repo}/{CONFIG}')
    ckpt = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = tmp_path / 'out'
    assert tool.main([
        f'{repo}/{CONFIG}',
        str(ckpt), '--data-root',
        str(synocd), '--out',
        str(out), '--axes-only', '--register', '--batch-size', '4'
    ]) == 0
    with open(out / 'sweep.csv') as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert {'registered', 'alignment_correlation',
            'ecc_fraction'} <= set(reader.fieldnames)
    for registered in ('0', '1'):
        settings = {(int(r['translation']), int(r['rotation']))
                    for r in rows if r['registered'] == registered}
        # --axes-only: the 8 settings the plot shows.
        assert settings == {key for key in sweep_names() if 0 in key}
        assert len(settings) == 8
    for row in rows:
        if row['registered'] == '1':
            assert 0.5 <= float(row['alignment_correlation']) <= 1
            assert 0 <= float(row['ecc_fraction']) <= 1
        else:
            assert row['alignment_correlation'] == ''
    png = (out / 'sweep.png').read_bytes()
    assert png.startswith(b'\x89PNG')
    # Both curves are drawn in one figure.
    typed = [
        dict(
            r,
            registered=int(r['registered']),
            translation=int(r['translation']),
            rotation=int(r['rotation']),
            **{m: float(r[m])
               for m in ('defect.IoU', 'defect.AP_pixel')}) for r in rows
    ]
    lines = tool.plot(typed, str(tmp_path / 'again.png'))
    assert {
        'siamese_r18_unet_synocd-256',
        'siamese_r18_unet_synocd-256 + registration'
    } <= set(lines)

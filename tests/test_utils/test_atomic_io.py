import json

import numpy as np
import pytest
import yaml

from mmdefect.utils import staged_output, write_data


def test_staged_folder_appears_only_when_complete(tmp_path):
    out = tmp_path / 'out'
    with staged_output(str(out)) as stage:
        (tmp_path / 'probe').write_text(str(out.exists()))
        open(f'{stage}/a.txt', 'w').write('a')
    assert (tmp_path / 'probe').read_text() == 'False'
    assert (out / 'a.txt').read_text() == 'a'
    # Nothing but the finished folder is left: no staging folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out', 'probe']


def test_interrupted_output_leaves_nothing_and_keeps_the_old(tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'old.txt').write_text('old')
    with pytest.raises(FileExistsError, match='--overwrite'):
        with staged_output(str(out)):
            pass
    with pytest.raises(KeyboardInterrupt):
        with staged_output(str(out), overwrite=True) as stage:
            open(f'{stage}/new.txt', 'w').write('half')
            raise KeyboardInterrupt
    assert [p.name for p in out.iterdir()] == ['old.txt']
    assert not list(tmp_path.glob('*.partial-*'))


def test_staged_file(tmp_path):
    out = tmp_path / 'model.onnx'
    with staged_output(str(out), is_dir=False) as stage:
        open(stage, 'wb').write(b'x')
    assert out.read_bytes() == b'x'
    with pytest.raises(FileNotFoundError, match='nothing was written'):
        with staged_output(str(tmp_path / 'none.onnx'), is_dir=False):
            pass


def test_write_data_json_and_yaml(tmp_path):
    data = dict(name='synlcd', counts=np.array([3, 4]), ratio=np.float32(0.5))
    write_data(str(tmp_path / 'meta.json'), data, indent=2)
    text = (tmp_path / 'meta.json').read_text()
    assert text.endswith('}\n') and '\n  "name"' in text
    assert json.loads(text) == dict(name='synlcd', counts=[3, 4], ratio=0.5)
    write_data(str(tmp_path / 'sub' / 'board.yaml'), dict(methods=['a']))
    assert yaml.safe_load((tmp_path / 'sub' / 'board.yaml').read_text()) \
        == dict(methods=['a'])
    assert sorted(p.name for p in tmp_path.rglob('*')) == [
        'board.yaml', 'meta.json', 'sub'
    ]
    with pytest.raises(ValueError, match='notes.txt'):
        write_data(str(tmp_path / 'notes.txt'), data)

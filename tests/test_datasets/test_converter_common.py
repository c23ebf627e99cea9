"""The helpers shared by the data set converters and the SynLCD generator."""
import json
import re

import numpy as np
import pytest

from mmdefect.datasets.converters.common import (check_output_dir, imread,
                                                 imwrite, split_indices,
                                                 write_meta, write_split)


@pytest.mark.parametrize('num, ratio, num_train', [(10, 0.7, 7),
                                                   (5354, 0.7, 3747),
                                                   (2, 0.1, 1), (3, 0.99, 2)])
def test_split_counts_and_disjoint_parts(num, ratio, num_train):
    train, test = split_indices(num, ratio, seed=0)
    assert len(train) == num_train
    assert train == sorted(train) and test == sorted(test)
    assert not set(train) & set(test)
    assert sorted(train + test) == list(range(num))


def test_split_is_deterministic_per_seed():
    assert split_indices(100, 0.7, seed=3) == split_indices(100, 0.7, seed=3)
    assert split_indices(100, 0.7, seed=3) != split_indices(100, 0.7, seed=4)
    with pytest.raises(ValueError, match='at least 2 boards to split, got 1'):
        split_indices(1, 0.7, seed=0, what='boards')


def test_output_dir_errors(tmp_path):
    source, out = tmp_path / 'source', tmp_path / 'out'
    with pytest.raises(FileNotFoundError, match='Fake root .*source not f'):
        check_output_dir(source, out, False, 'Fake')
    source.mkdir()
    for inside in (source / 'out', tmp_path):
        with pytest.raises(ValueError, match='must lie outside the data set'):
            check_output_dir(source, inside, True, 'Fake')
    paths = check_output_dir(source, out, False, 'Fake')
    assert paths == (str(source), str(out))
    out.mkdir()
    with pytest.raises(
            FileExistsError, match='out already exists; pass '
            '--overwrite'):
        check_output_dir(source, out, False, 'Fake')
    check_output_dir(source, out, True, 'Fake')


def test_image_errors_name_the_path(tmp_path):
    img = np.zeros((4, 4), np.uint8)
    missing = tmp_path / 'no_folder' / 'a.png'
    with pytest.raises(OSError, match=re.escape(f'could not write {missing}')):
        imwrite(str(missing), img)
    (tmp_path / 'bad.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='cannot read mask .*bad.png'):
        imread(str(tmp_path / 'bad.png'), what='mask')
    imwrite(str(tmp_path / 'a.png'), img)
    np.testing.assert_array_equal(imread(str(tmp_path / 'a.png'), 0), img)


def test_list_and_meta_files(tmp_path):
    write_split(str(tmp_path), 'train', ['a b c', 'd e f'])
    assert (tmp_path / 'splits' /
            'train.txt').read_text() == ('a b c\nd e f\n')
    write_meta(str(tmp_path), dict(classes=['background', 'line']))
    text = (tmp_path / 'meta.json').read_text()
    assert text.endswith('}\n')
    assert json.loads(text) == dict(classes=['background', 'line'])

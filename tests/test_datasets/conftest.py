"""Fixtures of the dataset tests."""
import runpy
import signal
import sys

import pytest


@pytest.fixture
def run_tool(repo, monkeypatch, capsys):
    """Run ``tools/dataset_converters/<name>.py`` in this process (a
    subprocess would spend seconds importing mmseg); returns the exit code
    and the captured output."""
    handler = signal.getsignal(signal.SIGTERM)
    # The tools import their shared command line by name, as they do when
    # run from their folder.
    monkeypatch.syspath_prepend(f'{repo}/tools/dataset_converters')

    def run(name, *args):
        monkeypatch.setattr(sys, 'argv', [f'{name}.py', *map(str, args)])
        code = 0
        try:
            runpy.run_path(
                f'{repo}/tools/dataset_converters/{name}.py',
                run_name='__main__')
        except SystemExit as err:
            code = err.code
        finally:
            signal.signal(signal.SIGTERM, handler)
        return code, capsys.readouterr()

    return run

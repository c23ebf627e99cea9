"""The leaderboard's registry: data sets, methods and collections, read from
``board.yaml`` into plain objects.

A :class:`Board` is never changed in place: another data folder gives
another board (:meth:`Board.with_data`).
"""
import dataclasses
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import yaml

BOARD = osp.join(osp.dirname(osp.abspath(__file__)), 'board.yaml')


@dataclass(frozen=True)
class Step:
    """A step that makes a data set's data: ``command`` (``{data}``: the
    data folder) runs where ``done`` (relative to the data) is missing."""
    done: str
    command: Tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """A data set of the board.  ``data_of``: the data set whose data it
    splits and whose config each method trains (itself by default);
    ``sweep``: whether its data has the misalignment sweep; ``splits``: the
    annotation files of the training, validation (calibration) and test
    loaders where they are not the config's."""
    key: str
    title: str
    name: str
    data: str
    data_of: str
    sweep: bool = False
    generate: Tuple[Step, ...] = ()
    splits: Dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class PaperCount:
    """The paper's own operation count: ``factor`` x ``key`` of
    ``get_flops.py``'s counts, what the paper's table calls it."""
    key: str
    factor: float
    label: str


@dataclass(frozen=True)
class Method:
    """A method of the board.  ``balance``: config keys of its class
    balance under the budget; ``options``: config keys per data set."""
    name: str
    collection: str
    paired: bool
    backbone: str
    configs: Dict[str, str]
    balance: Dict[str, object]
    options: Dict[str, Dict[str, object]]
    paper_count: Optional[PaperCount]

    def config(self, dataset: Dataset) -> str:
        return self.configs[dataset.data_of]


@dataclass(frozen=True)
class Collection:
    """A paper's folder (README, metafile) and its title."""
    name: str
    folder: str
    title: str
    url: Optional[str] = None


@dataclass(frozen=True)
class Board:
    datasets: Dict[str, Dataset]
    methods: Dict[str, Method]
    collections: Dict[str, Collection]

    def with_data(self, folders: Dict[str, str]) -> 'Board':
        """The board with other data folders (data set key -> folder); the
        data sets that split a data set's data follow it."""
        unknown = sorted(set(folders) - set(self.datasets))
        if unknown:
            raise ValueError(f'unknown data sets {unknown}; the board has '
                             f'{list(self.datasets)}')
        datasets = {
            key:
            dataclasses.replace(
                d, data=folders.get(key, folders.get(d.data_of, d.data)))
            for key, d in self.datasets.items()
        }
        return dataclasses.replace(self, datasets=datasets)


def load_board(path: str = BOARD) -> Board:
    """Read a board file; an inconsistent one is an error naming the entry
    and the file."""
    with open(path) as f:
        spec = yaml.safe_load(f)
    collections = {
        name: Collection(name=name, **entry)
        for name, entry in spec['collections'].items()
    }
    datasets = {}
    for key, entry in spec['datasets'].items():
        data_of = entry.get('data_of', key)
        splits = dict(entry.get('splits') or {})
        if 'train' in splits and 'val' not in splits:
            # The config's validation split belongs to its own training
            # file: calibrating there could calibrate on the test data.
            raise ValueError(f'{path}: data set {key} has its own training '
                             'split but no val split to calibrate on')
        source = spec['datasets'].get(data_of)
        if source is None or 'data' not in source:
            raise ValueError(f'{path}: data set {key} takes its data from '
                             f'{data_of}, which has no data folder')
        datasets[key] = Dataset(
            key=key,
            title=entry['title'],
            name=entry['name'],
            data=source['data'],
            data_of=data_of,
            sweep=entry.get('sweep', False),
            generate=tuple(
                Step(s['done'], tuple(s['command']))
                for s in source.get('generate') or ()),
            splits=splits)
    methods = {}
    for name, entry in spec['methods'].items():
        balance = entry.get('balance')
        where = f'{path}: method {name}'
        if entry['collection'] not in collections:
            raise ValueError(f'{where}: unknown collection '
                             f'{entry["collection"]}')
        if balance is not None and balance not in spec['balances']:
            raise ValueError(f'{where}: unknown balance {balance}')
        needed = {d.data_of for d in datasets.values()}
        missing = needed - set(entry['configs'])
        if missing:
            raise ValueError(f'{where}: no config for {sorted(missing)}')
        count = entry.get('paper_count')
        methods[name] = Method(
            name=name,
            collection=entry['collection'],
            paired=entry['paired'],
            backbone=entry['backbone'],
            configs=dict(entry['configs']),
            balance=dict(spec['balances'][balance] if balance else {}),
            options=dict(entry.get('options') or {}),
            paper_count=PaperCount(**count) if count else None)
    return Board(datasets, methods, collections)

"""A list of feature maps whose extra entries also have names."""
from typing import Dict, Iterable, Union

from torch import Tensor


class FeatureList(list):
    """The output list of a backbone or neck, indexable by position or name.

    mmseg heads pick their inputs from a list by ``in_index``.  The first
    entries of a pyramid are its levels; the paper-specific outputs that
    follow them (CADNet's DistMap, BANet's edge logits, LSA-Net's location
    logit, ...) are also named, so a head can ask for ``'distance_map'``
    instead of a position that moves whenever an optional output is added.
    Integer (also negative) indices and slices behave as for a list.

    Args:
        items (Iterable[Tensor]): The outputs, in order.
        names (dict): Name -> position of the named entries.
    """

    def __init__(self, items: Iterable[Tensor], names: Dict[str, int]) -> None:
        super().__init__(items)
        for name, index in names.items():
            if not -len(self) <= index < len(self):
                raise IndexError(f'output {name!r} at position {index} is '
                                 f'outside the {len(self)} outputs')
        self.names = dict(names)

    def __getitem__(self, key: Union[int, slice, str]):
        if isinstance(key, str):
            if key not in self.names:
                raise KeyError(f'no output named {key!r}; the named outputs '
                               f'are {sorted(self.names)}')
            key = self.names[key]
        return super().__getitem__(key)

"""The interface of the modules that put heat maps into the predictions."""
from abc import ABCMeta, abstractmethod
from typing import Sequence, Tuple

from torch import Tensor

#: What a heat-map channel holds: ``'value'`` (a probability, a distance,
#: ...) or one component of a displacement, ``'dx'`` / ``'dy'`` in pixels of
#: the map's own grid.  Displacements are vectors: the segmentor scales them
#: whenever it resizes the map and negates them when it undoes a flip.
MAP_KINDS = ('value', 'dx', 'dy')


class HeatMapExporter(metaclass=ABCMeta):
    """Mixin of a module whose outputs include heat maps for the predictions.

    :class:`~mmdefect.models.segmentors.DefectEncoderDecoder` asks the module
    that makes its features (the neck, or the backbone of a model without
    one) and its auxiliary heads; those that are ``HeatMapExporter``\\ s with
    at least one map name export their maps, each into the data samples as
    ``pred_<name>`` at the original image size.  A module exports the maps
    of the paper part that computes them (CADNet's DistMap from its fusion
    neck, BANet's edge map and alignment field from its neck, ...), so a
    config switches a map off with the part.

    Attributes:
        map_names (tuple[str]): One name per channel of
            :meth:`predict_maps`, each ending in ``'_map'``; empty: this
            configuration exports nothing.
        map_kinds (tuple[str]): What each channel holds (see
            :data:`MAP_KINDS`); all ``'value'`` unless a subclass says
            otherwise.
    """

    map_names: Tuple[str, ...] = ()

    @property
    def map_kinds(self) -> Tuple[str, ...]:
        return ('value', ) * len(self.map_names)

    @abstractmethod
    def predict_maps(self, feats: Sequence[Tensor]) -> Tensor:
        """The maps, (N, len(map_names), h, w) at any resolution, from the
        segmentor's features (the output of its ``extract_feat``)."""


def check_heat_map_exporter(module: HeatMapExporter) -> None:
    """Raise a ``ValueError`` naming ``module`` if its declaration is
    malformed: names that are not unique strings ending in ``'_map'``, or
    kinds that do not pair one of :data:`MAP_KINDS` with every name."""
    names, kinds = module.map_names, module.map_kinds
    owner = type(module).__name__
    if not isinstance(names, tuple) or not all(
            isinstance(name, str) and name.endswith('_map')
            for name in names) or len(set(names)) != len(names):
        raise ValueError(f'{owner}.map_names must be a tuple of unique names '
                         f"ending in '_map', got {names!r}")
    if not isinstance(kinds, tuple) or len(kinds) != len(names) or not all(
            kind in MAP_KINDS for kind in kinds):
        raise ValueError(f'{owner}.map_kinds must give one of {MAP_KINDS} '
                         f'for each of {names}, got {kinds!r}')

"""FeatureList: positions, negative indices and names."""
import pytest
import torch

from mmdefect.models.utils import FeatureList


def test_names_positions_and_errors():
    items = [torch.zeros(1), torch.ones(1), torch.full((1, ), 2.)]
    feats = FeatureList(items, dict(distance_map=2))
    assert feats['distance_map'] is items[2] is feats[-1]
    assert feats[0] is items[0] and len(feats) == 3
    assert [f.item() for f in feats[:2]] == [0, 1]
    assert [feats[i] for i in [0, 'distance_map']] == [items[0], items[2]]
    with pytest.raises(KeyError, match=r"'edge_map'.*\['distance_map'\]"):
        feats['edge_map']
    with pytest.raises(IndexError, match='outside the 3 outputs'):
        FeatureList(items, dict(edge_map=3))

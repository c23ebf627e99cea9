"""mmdefect's own registries (its models, datasets and hooks go into
mmseg's)."""
from mmengine.registry import Registry

#: Painters of heat maps, registered under the names of the maps they draw
#: by the module that makes those maps (e.g. BGNet's match field); see
#: :func:`mmdefect.visualization.paint_maps`.
MAP_PAINTERS = Registry('map painter', scope='mmdefect')

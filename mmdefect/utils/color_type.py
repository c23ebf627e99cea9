"""One switch for grey-scale and colour images: the config's ``color_type``.

A config (in practice its dataset base, ``configs/_base_/datasets/``) says
how its images are read with one top-level key, ``color_type = 'color'``
(3 channels, BGR as OpenCV reads them) or ``'grayscale'`` (1 channel).  What
depends on it lives in three places of the merged config, the image loader
of every pipeline, the data preprocessor's channels, statistics and channel
swap, and the backbone's input channels, and a value written into each at
parse time could not follow a key set later by a child config or by
``--cfg-options color_type=grayscale``.  :func:`apply_color_type` therefore
derives all three from the key once the config is complete; the tools, the
inferencer and :func:`mmdefect.apis.init_model` call it after merging the
options, so changing the key is the only edit a grey data set needs.

The bit depth needs no switch: the loader reads 8- and 16-bit images alike
and brings 16-bit ones to the 8-bit range
(:func:`mmdefect.datasets.transforms.read_image`).
"""
from typing import Iterator, List, Optional

from mmengine.config import Config, ConfigDict

#: Channels of one image for each colour type.
COLOR_CHANNELS = {'color': 3, 'grayscale': 1}

#: ITU-R BT.601 weights of red, green and blue in a grey value, as OpenCV
#: converts colour images to grey.
GREY_WEIGHTS = (0.299, 0.587, 0.114)

#: Loaders whose ``color_type`` the switch sets.
IMAGE_LOADERS = ('LoadDefectImages', )


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """A config file as the tools read it: ``--cfg-options`` merged, then
    the colour type applied (:func:`apply_color_type`)."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return apply_color_type(cfg)


def apply_color_type(cfg: Config) -> Config:
    """Make ``cfg`` read, normalise and model images as ``cfg.color_type``
    says; a config without the key is returned unchanged.

    * every ``LoadDefectImages`` of the data loaders' pipelines and of
      ``tta_pipeline`` gets the colour type;
    * the model's ``DefectDataPreProcessor`` gets its ``channels``; a
      3-value mean and std become the grey value of the same statistics
      (BT.601 weights, in the order the preprocessor sees the channels),
      a 1-value one is repeated for colour; a grey model swaps no channels;
    * the backbone's ``in_channels`` is scaled by the change of channels
      per image, so an early-fusion model (sample and template stacked)
      goes from 6 to 2 channels.

    Applying it twice changes nothing.

    Args:
        cfg (Config): A complete config (bases merged, options applied);
            changed in place.

    Returns:
        Config: ``cfg``.
    """
    color_type = cfg.get('color_type')
    if color_type is None:
        return cfg
    if color_type not in COLOR_CHANNELS:
        raise ValueError(f'color_type must be one of {list(COLOR_CHANNELS)}, '
                         f'got {color_type!r}')
    for transform in _image_loaders(cfg):
        transform['color_type'] = color_type
    model = cfg.get('model')
    if model is None:
        return cfg
    channels = COLOR_CHANNELS[color_type]
    preprocessor = model.get('data_preprocessor')
    if preprocessor is None:
        raise ValueError('color_type needs the model\'s data_preprocessor '
                         'to set the channels of an image')
    old = preprocessor.get('channels', 3)
    if old == channels:
        return cfg
    swap = bool(
        preprocessor.get('bgr_to_rgb') or preprocessor.get('rgb_to_bgr'))
    for key in ('mean', 'std'):
        if preprocessor.get(key) is not None:
            preprocessor[key] = _convert_statistic(preprocessor[key], channels,
                                                   swap)
    if channels == 1:
        preprocessor['bgr_to_rgb'] = preprocessor['rgb_to_bgr'] = False
    preprocessor['channels'] = channels
    backbone = model.get('backbone')
    if backbone is not None:
        in_channels = backbone.get('in_channels', 3)
        images, rest = divmod(in_channels, old)
        if rest:
            raise ValueError(
                f'the backbone takes {in_channels} channels, not a multiple '
                f'of the {old} of one image: cannot switch it to '
                f'{color_type}')
        backbone['in_channels'] = images * channels
    return cfg


def _convert_statistic(values: List[float], channels: int,
                       swap: bool) -> List[float]:
    """A per-channel mean or std for ``channels`` channels."""
    values = [float(v) for v in values]
    if len(values) == channels:
        return values
    if channels == 1 and len(values) == 3:
        # Without a swap the statistics follow OpenCV's BGR order.
        weights = GREY_WEIGHTS if swap else GREY_WEIGHTS[::-1]
        return [round(sum(w * v for w, v in zip(weights, values)), 4)]
    if channels == 3 and len(values) == 1:
        return values * 3
    raise ValueError(f'cannot convert the {len(values)}-channel statistics '
                     f'{values} to {channels} channels')


def _image_loaders(cfg: Config) -> Iterator[ConfigDict]:
    """Every image loader of the config's pipelines."""
    datasets = [(cfg.get(loader) or {}).get('dataset')
                for loader in ('train_dataloader', 'val_dataloader',
                               'test_dataloader')]
    while datasets:
        dataset = datasets.pop()
        if dataset is None:
            continue
        yield from _loaders_in(dataset.get('pipeline') or [])
        # Dataset wrappers (RepeatDataset, ConcatDataset) hold the datasets
        # they wrap.
        datasets.append(dataset.get('dataset'))
        datasets.extend(dataset.get('datasets') or [])
    yield from _loaders_in(cfg.get('tta_pipeline') or [])


def _loaders_in(transforms) -> Iterator[ConfigDict]:
    for transform in transforms:
        if isinstance(transform, (list, tuple)):
            yield from _loaders_in(transform)
        elif isinstance(transform, dict):
            if transform.get('type') in IMAGE_LOADERS:
                yield transform
            yield from _loaders_in(transform.get('transforms') or [])

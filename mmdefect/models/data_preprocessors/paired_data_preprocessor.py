"""Data preprocessor for inputs that stack several RGB images on channels."""
from typing import Any, Dict, Optional, Sequence

import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class PairedDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for a sample and a template stacked on channels.

    ``mean``/``std`` are given for ONE image (3 values) and repeated for every
    image of the stack; ``bgr_to_rgb`` swaps the channels of each image, where
    mmseg's version only handles a 3-channel input.  Works unchanged for
    single-image (3-channel) inputs, so single-image baselines on paired data
    and early-fusion models (6-channel backbones) share it.

    Args:
        mean, std (Sequence[float]): Per-channel statistics of one image.
        channels (int): Channels per image.  Defaults to 3.
        **kwargs: See :class:`mmseg.models.SegDataPreProcessor`.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 channels: int = 3,
                 **kwargs) -> None:
        super().__init__(mean=None, std=None, **kwargs)
        if (mean is None) != (std is None):
            raise ValueError('give both mean and std, or neither')
        if mean is not None and not (len(mean) == len(std) == channels):
            raise ValueError(f'mean and std need {channels} values (one '
                             f'image); got {len(mean)} and {len(std)}')
        self.channels = channels
        self.swap_channels = bgr_to_rgb or rgb_to_bgr
        # The parent was built without mean/std, so it only pads and stacks.
        self.normalize = mean is not None
        if self.normalize:
            self.register_buffer('image_mean', torch.tensor(mean), False)
            self.register_buffer('image_std', torch.tensor(std), False)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        data = self.cast_data(data)
        inputs = []
        for img in data['inputs']:
            num_channels = img.size(0)
            if num_channels % self.channels:
                raise ValueError(
                    f'input has {num_channels} channels, not a multiple of '
                    f'{self.channels}')
            num_images = num_channels // self.channels
            img = img.float().view(num_images, self.channels, *img.shape[1:])
            if self.swap_channels:
                img = img.flip(1)
            if self.normalize:
                img = (img - self.image_mean.view(1, -1, 1, 1)) / \
                    self.image_std.view(1, -1, 1, 1)
            inputs.append(img.view(num_channels, *img.shape[2:]))
        return super().forward(dict(data, inputs=inputs), training)

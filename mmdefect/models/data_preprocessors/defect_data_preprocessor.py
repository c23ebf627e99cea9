"""Data preprocessor for single images and sample/template pairs."""
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg.utils import SampleList


@MODELS.register_module()
class DefectDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for the images of one defect sample.

    The loading transform stacks a sample and, where the dataset lists one,
    its template on the channel axis.  ``num_images`` says what the model
    consumes: 2 (sample and template: Siamese and early-fusion models) or 1
    (the sample alone: single-image models).  A single-image model fed
    pairs keeps the sample channels, so it trains and tests on the very
    same data configs as the paired models it is compared with; a paired
    model fed a sample without template stops with an error naming the
    image.

    ``mean``/``std`` are given for ONE image (3 values) and repeated for
    every image of the stack; ``bgr_to_rgb`` swaps the channels of each
    image (mmseg's version only handles a 3-channel input).

    In training, mmseg pads ``gt_sem_seg``, ``gt_edge_map`` and
    ``gt_depth_map`` with the image; every other ground-truth pixel map
    (``gt_<name>_map``, e.g. a location map) is padded here the same way:
    integer maps with ``seg_pad_val`` (ignored by the losses), floating-point
    maps with 0.

    Args:
        mean, std (Sequence[float]): Per-channel statistics of one image.
        num_images (int): Images per sample the model consumes, 1 or 2.
            Defaults to 1.
        channels (int): Channels per image.  Defaults to 3.
        **kwargs: See :class:`mmseg.models.SegDataPreProcessor`.
    """

    # Maps that mmseg's stack_batch already pads.
    padded_by_mmseg = ('gt_sem_seg', 'gt_edge_map', 'gt_depth_map')

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 num_images: int = 1,
                 channels: int = 3,
                 **kwargs) -> None:
        super().__init__(mean=None, std=None, **kwargs)
        if (mean is None) != (std is None):
            raise ValueError('give both mean and std, or neither')
        if mean is not None and not (len(mean) == len(std) == channels):
            raise ValueError(f'mean and std need {channels} values (one '
                             f'image); got {len(mean)} and {len(std)}')
        if num_images not in (1, 2):
            raise ValueError(f'num_images must be 1 or 2, got {num_images}')
        self.num_images = num_images
        self.channels = channels
        self.swap_channels = bgr_to_rgb or rgb_to_bgr
        # The parent was built without mean/std, so it only pads and stacks.
        self.normalize = mean is not None
        if self.normalize:
            self.register_buffer('image_mean', torch.tensor(mean), False)
            self.register_buffer('image_std', torch.tensor(std), False)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        data = self.cast_data(data)
        samples = data.get('data_samples') or [None] * len(data['inputs'])
        inputs = [
            self._prepare(img, sample)
            for img, sample in zip(data['inputs'], samples)
        ]
        out = super().forward(dict(data, inputs=inputs), training)
        if training:
            self._pad_maps(out['data_samples'], out['inputs'].shape[2:])
        return out

    def _prepare(self, img: torch.Tensor, sample) -> torch.Tensor:
        """Select the images the model consumes, swap and normalise."""
        num_channels = img.size(0)
        num_images, rest = divmod(num_channels, self.channels)
        if rest or num_images not in (1, 2):
            raise ValueError(
                f'input {self._name(sample)} has {num_channels} channels; '
                f'expected {self.channels} (a sample) or {2 * self.channels} '
                '(a sample and its template)')
        if num_images < self.num_images:
            raise ValueError(
                f'sample {self._name(sample)} has no template, but this '
                'model compares every sample with its defect-free template: '
                'list one for it in the dataset')
        img = img[:self.num_images * self.channels].float()
        img = img.view(self.num_images, self.channels, *img.shape[1:])
        if self.swap_channels:
            img = img.flip(1)
        if self.normalize:
            img = (img - self.image_mean.view(1, -1, 1, 1)) / \
                self.image_std.view(1, -1, 1, 1)
        return img.flatten(0, 1)

    @staticmethod
    def _name(sample) -> str:
        return (sample.metainfo.get('img_path') or '(array)'
                if sample is not None else '(array)')

    def _pad_maps(self, data_samples: SampleList, size) -> None:
        """Pad the ground-truth maps mmseg's ``stack_batch`` leaves alone."""
        height, width = size
        for sample in data_samples:
            for key in sample.keys():
                if not (key.startswith('gt_') and key.endswith('_map')) or \
                        key in self.padded_by_mmseg:
                    continue
                data = sample.get(key).data
                pad = (0, width - data.shape[-1], 0, height - data.shape[-2])
                value = (0. if data.is_floating_point() else self.seg_pad_val)
                sample.set_field(
                    PixelData(data=F.pad(data, pad, value=value)), key)

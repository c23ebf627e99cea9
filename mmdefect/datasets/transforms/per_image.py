"""Apply a transform to each image of a stacked multi-image array."""
import random
from typing import List, Union

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PerImageTransform(BaseTransform):
    """Run ``transforms`` on every ``channels``-channel image of ``img``.

    Photometric transforms (``PhotoMetricDistortion``, ...) expect one
    3-channel image; paired pipelines carry the sample and template stacked on
    the channel axis (see :class:`LoadDefectImages`).  This wrapper splits
    the stack, transforms each image and stacks them again.

    Args:
        transforms (list[dict]): Transforms applied to each image.
        independent (bool): Draw fresh random parameters for every image
            (True, default: the template sees a different lighting than the
            sample, as on a real production line) or apply the same random
            parameters to all (False).
        channels (int): Channels per image.  Defaults to 3.
    """

    def __init__(self,
                 transforms: List[Union[dict, callable]],
                 independent: bool = True,
                 channels: int = 3) -> None:
        # Built from mmseg's registry: this runs outside a Runner's scope too.
        self.transforms = Compose([
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ])
        self.independent = independent
        self.channels = channels

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.shape[2] % self.channels:
            raise ValueError(
                f"image {results.get('img_path')} has {img.shape[2]} channels,"
                f' not a multiple of {self.channels}')
        # Replaying the same RNG state gives every image the same draws.
        state = (np.random.get_state(), random.getstate())
        outputs = []
        for start in range(0, img.shape[2], self.channels):
            if not self.independent:
                np.random.set_state(state[0])
                random.setstate(state[1])
            single = dict(results, img=img[..., start:start + self.channels])
            single['seg_fields'] = []
            single = self.transforms(single)
            outputs.append(single['img'])
        results['img'] = np.concatenate(outputs, axis=2)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(transforms={self.transforms}, '
                f'independent={self.independent}, channels={self.channels})')

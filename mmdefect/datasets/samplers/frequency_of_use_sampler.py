"""SegDecNet's epoch: every defective image once, as many defect-free
ones, the least used first."""
import math
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def frequency_probabilities(counts: np.ndarray) -> np.ndarray:
    """Drawing probabilities of the negatives from their use counts
    (Bozic et al. 2021, Sec. 3.4; FREQUENCY_SAMPLING of their public code,
    vicoslab/mixed-segdec-net-comind2021, which MFFPA builds on).

    ``q = 1 - f / max f``, shifted so that its median is 1, raised to the
    power ``4 ln(num_neg)`` and normalised: the rarely used negatives are
    much more likely, the most used ones are (almost) never drawn.
    """
    counts = np.asarray(counts, np.float64)
    top = counts.max()
    q = 1 - counts / top if top > 0 else np.ones_like(counts)
    q = q - np.median(q) + 1
    q = q**(4 * math.log(len(counts))) if len(counts) > 1 else q
    return q / q.sum()


@DATA_SAMPLERS.register_module()
class FrequencyOfUseSampler(Sampler):
    """An epoch of every defective image once and as many defect-free
    images, drawn by frequency of use (SegDecNet's public code, which MFFPA
    builds on; MFFPA itself is silent on sampling).

    Defect-free images outnumber defective ones (KSDD2: 2,085 / 246); an
    epoch of ``2 * num_pos`` samples keeps the classes balanced, and the
    negatives are drawn without replacement, those used least often being
    the most likely (:func:`frequency_probabilities`), so that over the
    epochs every negative is seen about equally often.  The first epoch
    takes the first ``num_pos`` negatives of a random permutation.  With
    fewer negatives than positives all negatives are used.

    The draws of epoch ``e`` depend only on ``seed`` and ``e`` (the counts
    are replayed from epoch 0 when an epoch is set out of order, e.g. on
    resume).  ``set_epoch`` is called by mmengine before every epoch
    (``DistSamplerSeedHook``) and by the infinite iterator of iteration-based
    loops whenever the sampler is exhausted.  Under distributed training
    every rank draws the same epoch and takes every ``world_size``-th
    sample (padded to an equal share).

    The labels are the dataset's ``gt_label`` entries (the mixed-supervision
    annotation files carry one for every image).

    Args:
        dataset: The training dataset.
        shuffle (bool): Shuffle the epoch's samples.  Defaults to True.
        seed (int, optional): Random seed; None: synchronised across ranks.
    """

    def __init__(self,
                 dataset,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        labels = []
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            if info.get('gt_label') not in (0, 1):
                raise ValueError(
                    f'FrequencyOfUseSampler needs the image label (gt_label) '
                    f'of every sample; {info.get("img_path")} has none: use '
                    'an annotation file with image labels (see '
                    'mmdefect/datasets/converters/mixed_supervision.py)')
            labels.append(info['gt_label'])
        labels = np.asarray(labels)
        self.positives = np.flatnonzero(labels == 1)
        self.negatives = np.flatnonzero(labels == 0)
        if len(self.positives) == 0:
            raise ValueError('FrequencyOfUseSampler: the dataset holds no '
                             'defective image')
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()
        self.num_neg_per_epoch = min(len(self.positives), len(self.negatives))
        self.epoch = 0
        self._counts_epoch = 0
        self._counts = np.zeros(len(self.negatives), np.int64)

    def _draw(self, epoch: int) -> np.ndarray:
        """Negatives (dataset indices) of ``epoch``; advances the counts."""
        rng = np.random.default_rng([self.seed, epoch])
        num = self.num_neg_per_epoch
        if epoch == 0:
            picked = rng.permutation(len(self.negatives))[:num]
        else:
            picked = rng.choice(
                len(self.negatives),
                num,
                replace=False,
                p=frequency_probabilities(self._counts))
        self._counts[picked] += 1
        return self.negatives[picked]

    def negatives_of_epoch(self, epoch: int) -> np.ndarray:
        """The negatives drawn in ``epoch`` (replaying from 0 if needed)."""
        if epoch < self._counts_epoch:
            self._counts[:] = 0
            self._counts_epoch = 0
        while self._counts_epoch < epoch:
            self._draw(self._counts_epoch)
            self._counts_epoch += 1
        negatives = self._draw(epoch)
        self._counts_epoch = epoch + 1
        return negatives

    def indices(self) -> List[int]:
        """All samples of the current epoch (every rank's)."""
        indices = np.concatenate(
            [self.positives,
             self.negatives_of_epoch(self.epoch)])
        if self.shuffle:
            rng = np.random.default_rng([self.seed, self.epoch, 1])
            indices = rng.permutation(indices)
        return indices.tolist()

    def __iter__(self) -> Iterator[int]:
        indices = self.indices()
        total = len(self) * self.world_size
        indices = (indices * math.ceil(total / len(indices)))[:total]
        return iter(indices[self.rank:total:self.world_size])

    def __len__(self) -> int:
        size = len(self.positives) + self.num_neg_per_epoch
        return math.ceil(size / self.world_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

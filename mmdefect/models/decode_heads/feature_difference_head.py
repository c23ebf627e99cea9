"""A parameter-free head for LSA-Net's feature-difference loss."""
from typing import Dict, List, Sequence, Union

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor

from ..losses import feature_difference_loss


@MODELS.register_module()
class FeatureDifferenceHead(BaseModule):
    """Applies the feature-difference loss (LSA-Net Eq. 3) to two maps of the
    backbone, as an ``auxiliary_head``.

    The loss needs no ground truth: it is ``loss_weight`` times
    :func:`~mmdefect.models.losses.feature_difference_loss` of the two maps
    (LSA-Net: the SDM's SPPM and LSPM features, weight nu = 0.2, Eq. 5).
    The raw mean squared difference is logged beside it as ``mse`` (the
    paper's Fig. 10 follows it).  Nothing is added at inference.

    Args:
        in_index (Sequence[int | str]): The two maps in the feature list
            (positions or names).
        loss_weight (float): nu.  Defaults to 0.2.
        eps (float): See the loss.  Defaults to 1e-6.
        reduction (str): ``'image'`` (paper) or ``'batch'`` (authors' code).
        loss_name (str): Key of the loss.  Defaults to 'loss_diff'.
        init_cfg (dict, optional): Unused (no parameters).
    """

    def __init__(self,
                 in_index: Sequence[Union[int, str]] = ('sppm_feature',
                                                        'lspm_feature'),
                 loss_weight: float = 0.2,
                 eps: float = 1e-6,
                 reduction: str = 'image',
                 loss_name: str = 'loss_diff',
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_index) != 2:
            raise ValueError('FeatureDifferenceHead compares two maps, got '
                             f'in_index {in_index}')
        if reduction not in ('image', 'batch'):
            raise ValueError("reduction must be 'image' or 'batch', got "
                             f'{reduction!r}')
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with loss_, got '
                             f'{loss_name!r}')
        self.in_index = tuple(in_index)
        self.loss_weight = loss_weight
        self.eps = eps
        self.reduction = reduction
        self.loss_name = loss_name

    def forward(self, inputs: List[Tensor]) -> List[Tensor]:
        return [inputs[i] for i in self.in_index]

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        first, second = self.forward(inputs)
        value = feature_difference_loss(first, second, self.eps,
                                        self.reduction)
        mse = (first - second).detach().pow(2).mean()
        return {self.loss_name: self.loss_weight * value, 'mse': mse}

from .lsanet_encoder import LSANetEncoder
from .resnet_with_stem import ResNetWithStem
from .segdec_net import SegDecNet

__all__ = ['SegDecNet', 'LSANetEncoder', 'ResNetWithStem']

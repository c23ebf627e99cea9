from .lsanet_encoder import LSANetEncoder
from .resnet_with_stem import ResNetWithStem

__all__ = ['LSANetEncoder', 'ResNetWithStem']

"""ResNet whose feature pyramid starts with the stride-2 stem."""
from mmseg.models.backbones import ResNet
from mmseg.registry import MODELS


@MODELS.register_module()
class ResNetWithStem(ResNet):
    """mmseg's ``ResNet`` (torchvision layout) returning five levels.

    The encoder of BANet and BGNet (and of GWNet, their common ancestor in
    the authors' code): the stem's output after conv 7x7/2 + BN + ReLU, taken
    before the max-pool (64 channels, stride 2), then the outputs of the four
    stages (strides 4-32).  With ``depth=34`` the levels have 64, 64, 128,
    256 and 512 channels.  ResNet-34 is the depth that reproduces BANet's
    Table II parameter counts; the deep stem of ``ResNetV1c`` would change
    them, so it is refused.

    Args:
        **kwargs: See :class:`mmseg.models.backbones.ResNet`; ``out_indices``
            selects the stages after the stem.
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('deep_stem'):
            raise ValueError('ResNetWithStem returns the 7x7 stem; a deep '
                             'stem is not supported')
        super().__init__(**kwargs)

    def forward(self, x):
        stem = self.relu(self.norm1(self.conv1(x)))  # (N, 64, H/2, W/2)
        outs = [stem]
        x = self.maxpool(stem)
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

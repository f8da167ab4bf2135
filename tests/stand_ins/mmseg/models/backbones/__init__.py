from openmmlab_stand_in import Backbone

__all__ = ["MobileNetV2", "ResNet", "ResNetV1c"]


class ResNet(Backbone):
    pass


class ResNetV1c(ResNet):
    pass


class MobileNetV2(Backbone):
    def __init__(self, norm_cfg=dict(type="BN"), **kwargs):
        super().__init__(norm_cfg=norm_cfg, **kwargs)

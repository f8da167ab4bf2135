"""mmdet's ResNet family defaults to norm_eval=True: train() keeps its BatchNorms in eval mode."""
from openmmlab_stand_in import Backbone

__all__ = ["ResNet", "ResNetV1d"]


class ResNet(Backbone):
    def __init__(self, depth, norm_cfg=dict(type="BN", requires_grad=True), norm_eval=True, **kwargs):
        super().__init__(depth, norm_cfg=norm_cfg, norm_eval=norm_eval, **kwargs)


class ResNetV1d(ResNet):
    pass

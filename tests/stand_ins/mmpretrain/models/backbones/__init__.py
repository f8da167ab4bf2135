from openmmlab_stand_in import Backbone

__all__ = ["ResNet"]


class ResNet(Backbone):
    pass

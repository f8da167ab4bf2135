import torch.nn as nn


def resnet18(*, weights=None, progress=True, norm_layer=None, num_classes=1000):
    if weights is not None:
        raise NotImplementedError("the stand-in has no weights")
    norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
    return nn.Sequential(
        nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False),
        norm_layer(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, num_classes),
    )
from . import resnet  # noqa: E402
from .resnet import ResNet  # noqa: E402, F401

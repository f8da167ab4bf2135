import torch


class _NormFactory:
    BATCH = "BATCH"
    INSTANCE = "INSTANCE"
    _classes = {
        "BATCH": (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d),
        "INSTANCE": (torch.nn.InstanceNorm1d, torch.nn.InstanceNorm2d, torch.nn.InstanceNorm3d),
    }

    def __getitem__(self, key):
        name, dims = key
        return self._classes[name.upper()][dims - 1]


Norm = _NormFactory()


def get_norm_layer(name, spatial_dims=1, channels=1):
    name, kwargs = (name, {}) if isinstance(name, str) else name
    return Norm[name, spatial_dims](**{"num_features": channels, **kwargs})

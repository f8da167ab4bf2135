import copy

import torch


class BatchNorm(torch.nn.Module):
    def __init__(self, in_channels, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 allow_single_element=False, device=None):
        super().__init__()
        if allow_single_element and not track_running_stats:
            raise ValueError("'allow_single_element' requires 'track_running_stats' to be set to `True`")
        self.module = torch.nn.BatchNorm1d(in_channels, eps, momentum, affine, track_running_stats, device=device)

    def forward(self, x):
        return self.module(x)


class LayerNorm(torch.nn.Module):
    def __init__(self, in_channels, eps=1e-5, affine=True, mode="graph"):
        super().__init__()
        self.module = torch.nn.LayerNorm(in_channels, eps, affine)

    def forward(self, x):
        return self.module(x)


def normalize_string(s):
    return s.lower().replace("-", "").replace("_", "").replace(" ", "")


def normalization_resolver(query, *args, **kwargs):
    if not isinstance(query, str):
        return query
    for cls in (BatchNorm, LayerNorm):
        name = normalize_string(cls.__name__)
        if normalize_string(query) in (name, name.replace("norm", "")):
            return cls(*args, **kwargs)
    raise ValueError(f"Could not resolve {query!r}")


class MLP(torch.nn.Module):
    def __init__(self, channel_list, *, norm="batch_norm", norm_kwargs=None, plain_last=True, **kwargs):
        super().__init__()
        if isinstance(kwargs.get("batch_norm"), bool):
            norm = "batch_norm" if kwargs["batch_norm"] else None
            norm_kwargs = kwargs.get("batch_norm_kwargs") or {}
        self.lins = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(channel_list[:-1], channel_list[1:]))
        widths = channel_list[1:-1] if plain_last else channel_list[1:]
        self.norms = torch.nn.ModuleList(
            normalization_resolver(norm, width, **(norm_kwargs or {})) if norm is not None else torch.nn.Identity()
            for width in widths
        )

    def forward(self, x):
        for lin, norm in zip(self.lins, self.norms):
            x = norm(lin(x)).relu()
        return self.lins[-1](x) if len(self.lins) > len(self.norms) else x


class GCN(torch.nn.Module):
    """BasicGNN's norm handling; each conv is a linear layer plus a sum over incoming edges."""

    def __init__(self, in_channels, hidden_channels, num_layers, out_channels=None, dropout=0.0, act="relu",
                 act_first=False, act_kwargs=None, norm=None, norm_kwargs=None, jk=None, **kwargs):
        super().__init__()
        widths = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels or hidden_channels]
        self.convs = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        norm_layer = normalization_resolver(norm, hidden_channels, **(norm_kwargs or {}))
        norm_layer = torch.nn.Identity() if norm_layer is None else norm_layer
        self.norms = torch.nn.ModuleList(copy.deepcopy(norm_layer) for _ in range(num_layers - 1))

    def forward(self, x, edge_index):
        for index, conv in enumerate(self.convs):
            h = conv(x)
            x = h + torch.zeros_like(h).index_add(0, edge_index[1], h[edge_index[0]])
            if index < len(self.norms):
                x = self.norms[index](x).relu()
        return x

"""A stand-in for torch_geometric in environments without it (CI has torch only).

It follows the contract of torch_geometric 2.8.1's `nn.BatchNorm` that bn-codemod relies on:
`BatchNorm(in_channels, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, ...)` passes the flag
to the `torch.nn.BatchNorm1d` it wraps. scripts/verify_model_classes.py checks the real source.

And the string norm registry (scripts/verify_norm_factories.py --pyg checks the real source, --build-pyg
builds the real models): `nn.resolver.normalization_resolver(query, *args, **kwargs)` compares
`query.lower()` without "-", "_" and " " with each norm class's name so normalised, or without "norm", and
returns `cls(*args, **kwargs)`; `nn.MLP(channel_list, *, norm="batch_norm", norm_kwargs=None,
plain_last=True, **kwargs)` resolves one layer per hidden width with `**norm_kwargs` (the deprecated
`batch_norm=<bool>` replaces both); `nn.GCN(in_channels, hidden_channels, num_layers, ..., norm=None,
norm_kwargs=None)` resolves once and deep-copies the layer after every conv but the last.
"""
from . import nn  # noqa: F401

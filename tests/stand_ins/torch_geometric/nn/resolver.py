from . import normalization_resolver  # noqa: F401  (torch_geometric.nn.resolver in the real package)

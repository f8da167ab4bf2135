"""A stand-in for MONAI in environments without it (CI has torch only).

It follows the contract of monai 1.6.1 that bn-codemod relies on (monai.networks.layers): `Norm[name, dims]`
looks the name up upper-cased and returns the torch class, and `get_norm_layer(name, spatial_dims, channels)`
takes a name or a (name, kwargs) pair and builds the class with those kwargs and num_features=channels;
monai.networks.blocks (ADN, Convolution) and monai.networks.nets (SegResNetDS) hand their `norm` spec to it.
scripts/verify_norm_factories.py checks the real source, and builds the rewrites with the real package.
"""

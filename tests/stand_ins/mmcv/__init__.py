"""A stand-in for mmcv in environments without it (CI has torch only).

It follows the contract of mmcv's mmcv/cnn/bricks/norm.py and conv_module.py that bn-codemod relies on:
`build_norm_layer(cfg, num_features)` builds the class registered under cfg["type"] ("BN" is BatchNorm2d)
with every other key but requires_grad as a keyword argument, and `ConvModule(..., norm_cfg=cfg)` hands
its norm_cfg to build_norm_layer. scripts/verify_norm_factories.py checks the real source.
"""

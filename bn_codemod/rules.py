"""Rule codes and their documentation: one source for messages, `--explain`, `--list-rules` and the
rule reference in docs/rules.md (tests/test_rules_docs.py keeps README.md and docs/rules.md in sync)."""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import FUSION_HELPERS


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    fixable: bool
    what_it_does: str
    why: str
    example_before: str
    example_after: str
    fix_safety: str
    details: str = ""  # markdown for docs/rules.md: every case the rule covers and leaves alone


VMAP_ERROR = (
    "Batch norm got a batched tensor as input while the running_mean or running_var, which will be "
    "updated in place, were not batched."
)
RUNTIME_PATCH_ADVICE = (
    "call torch.func.replace_all_batch_norm_modules_(model) after the model is built and its weights "
    "are loaded, only where you vmap"
)
_CAVEATS = (
    "Without running statistics, eval mode normalises with the statistics of the batch it is given, "
    "so outputs depend on the batch (BatchNorm1d with a batch of one raises even in eval). The "
    "state_dict loses running_mean, running_var and num_batches_tracked, so a strict load of an "
    "ordinary checkpoint fails with 'Unexpected key(s)'. Conv+BN fusion and quantization with fusion "
    "need running statistics and fail."
)
_WHY_TRACKING = (
    "In train mode the layer updates running_mean and running_var in place. Under torch.func.vmap "
    f"the input is batched but those buffers are not, and PyTorch raises '{VMAP_ERROR}'"
)

# The longer reference of docs/rules.md (scripts/gen_rules_doc.py writes it; a test keeps it current).
_BN001_DETAILS = """\
- `track_running_stats=True` becomes `False`; `False` (or `None`) is already fine.
- Given positionally (index 4: `num_features, eps, momentum, affine, track_running_stats`; index 3
  for the Lazy classes, which have no `num_features`), that argument becomes `False`; no duplicate
  keyword is ever added.
- Absent: `track_running_stats=False` is appended. In a multi-line call it goes on its own line with
  the call's indentation and trailing-comma style; comments stay where they were; `=` is spaced like
  the call's other keywords. Everything else in the file stays byte-identical, and running twice
  changes nothing.
- `InstanceNorm1d/2d/3d` do not track by default and are reported only when tracking is switched on
  explicitly; `**kwargs` on them is not reported. `LazyInstanceNorm*d` do track by default (their
  docstring says otherwise; torch 2.13 does).
- Library norm layers with the same flag: torch_geometric's `nn.BatchNorm` (position 4, it wraps a
  `BatchNorm1d`) and `nn.HeteroBatchNorm` (position 5, it updates its own statistics in place), and
  `nn.InstanceNorm` (does not track by default), checked against torch_geometric 2.8.1's source by
  `scripts/verify_model_classes.py` and under vmap with the real package. `BatchNorm(c,
  allow_single_element=True)` (or an `allow_single_element` that may be true) is BN004 and left as it
  is: pyg raises ValueError for it without running stats.
- MONAI's layer factory: `Norm[Norm.BATCH, 2]` (or `Norm["batch", 3]`, `Norm.SYNCBATCH`) is the
  class `BatchNorm2d` itself, so a call of it is read like `nn.BatchNorm2d(64)`:
  `track_running_stats=False` appended, or position 4 flipped. Only when `Norm` is imported from `monai.networks.layers` (or
  `.factories`); the subscript used as a value without a call is BN002's, like the class.
- `**factory_kwargs` with a visible dict: `dd = {"device": device, "dtype": dtype}` then
  `nn.BatchNorm2d(c, **dd)` becomes `nn.BatchNorm2d(c, **dd, track_running_stats=False)`, when `dd`
  is bound exactly once in the function (or module) that binds it, to a `{...}` display with string
  keys and no `**` inside or a `dict(key=value, ...)` call, and every other mention of `dd` in that
  scope (nested functions included) is a `**dd` unpacking. A subscript store, `.update()`, `del`,
  passing `dd` to any function, aliasing it, a parameter named `dd` or a second binding: BN005. A
  visible `track_running_stats: False` in it: nothing to report; `True`: BN005.
"""

_BN002_DETAILS = """\
`norm_layer=nn.BatchNorm2d`, `norm = nn.BatchNorm1d`, `def f(norm_layer=nn.BatchNorm2d)`,
`[nn.BatchNorm2d, ...]`, `{"bn": nn.BatchNorm2d}`, `return nn.BatchNorm2d`, `x or nn.BatchNorm2d`
become `partial(nn.BatchNorm2d, track_running_stats=False)`; `partial(nn.BatchNorm2d, eps=1e-3)` and
`functools.partial(...)` get the keyword added (or flipped). The `partial` import is reused when the
file has one (`from functools import partial`, or `import functools` as `functools.partial`);
otherwise `from functools import partial` is added where isort (ruff's I001) puts it: in the
leading imports' standard-library section at its sorted place, or in a new section of its own
between `__future__` and the third-party imports, so an isort-clean file stays clean. When
`partial` is already a name in the file, `from functools import partial as bn_codemod_partial`.

Never touched: `isinstance`/`issubclass` arguments, `except` clauses, annotations, base classes,
comparisons (`type(m) is nn.BatchNorm2d`, `in (...)`), tuples and sets of classes (they are type
checks, `isinstance` takes tuples), dict keys, and attribute access (`nn.BatchNorm2d.forward`). A
class passed positionally to some other function (`make_layers(cfg, nn.BatchNorm2d)`) is reported
without a fix: the callee may build layers with it or only compare with it.

Factory tables are the exception among tuples: `types = (nn.BatchNorm1d, nn.BatchNorm2d,
nn.BatchNorm3d)` bound once in a function (or to a private `_NAME` at module level) and otherwise only
indexed and called right away (`types[dim - 1]` called on the channels), and a tuple literal indexed
and called (`(nn.BatchNorm1d, nn.BatchNorm2d)[dim - 1]` called likewise), get each norm class wrapped. When a class
can leave the table (`return types[dim - 1]`, `norm = types[i]`, `isinstance(m, types)`, passing
`types` on, a public module-level name other modules may import), wrapping could break a use
elsewhere: `isinstance(m, norm_type)` raises `TypeError` on a `partial`. Such a table is reported
without a fix. (On MONAI, whose `Norm["batch", dim]` returns a class from such a table, fixing it
made 12 networks run under vmap but `SEResNet50` fail at construction: it is reported.)

A table iterated to build layers is a factory table too, tuple or list, named or literal:
`for cls in (nn.BatchNorm1d, nn.BatchNorm2d): layers.append(cls(c))`, `[norm(c) for norm in _NORMS]`,
`for i, norm in enumerate(_NORMS)`, `for norm, c in zip(_NORMS, channels)`, `reversed(_NORMS)`. Its classes
are wrapped when every mention of the loop variable in its function is the loop itself or a call that a
partial serves like the class (at most four positional arguments, no `track_running_stats=`, no `*`/`**`),
and the table itself is used only so. A loop variable that is also compared, stored, returned, passed on or
used in `isinstance` (`if type(m) is cls`), or a call passing `track_running_stats`, gets the table reported
without a fix, as does a table also used as a type (`isinstance(m, _NORMS)`) or a public module-level one
(`NORMS = [...]`, which other modules may import and compare with). A loop that never calls its variable
(`for kind in (nn.BatchNorm1d, nn.BatchNorm2d): if isinstance(m, kind)`) is a type check: silent. A list
of norm classes neither indexed nor iterated in its scope keeps the list rule above (its elements are
wrapped). On mmcv's tests, `norm_set1 = [nn.BatchNorm1d, ...]`, iterated to build layers and also passed
as `is_norm(layer, exclude=(norm_type, ))`, is now reported where it used to be wrapped (`is_norm` rejects
a partial in `exclude` with a `TypeError`).

MONAI's `Norm[Norm.BATCH, d]` (or `Norm["batch", d]`, `Norm.SYNCBATCH`; `Norm` from
`monai.networks.layers` or `.factories`) is the class `BatchNorm{d}d` itself: used as a value it is read
exactly like the class, so `norm_type = Norm[Norm.BATCH, spatial_dims]`, `norm_layer=Norm[Norm.BATCH, 2]`
and a parameter default become `partial(Norm[...], track_running_stats=False)`, `partial(Norm[...], ...)`
gets the keyword, a positional argument is reported, and `isinstance(m, Norm[Norm.BATCH, 2])` is left alone.
Like a factory table, a name it is bound to (or a parameter it is the default of) must be only ever called
to be fixed: MONAI's own `SEResNet50` and `AHNet` also pass theirs to `isinstance(m, norm_type)` (or store it
and do so later), where a `partial` raises `TypeError`, so such a binding is reported without a fix.
"""

_BN003_DETAILS = """\
The builders whose `norm_layer` argument really replaces every BatchNorm (see
[the torchvision table](#the-torchvision-table)): `resnet*`, `resnext*`, `wide_resnet*`,
`mobilenet_v2`, `mobilenet_v3_*`, `efficientnet_b0`–`b4`, `regnet_*`, `maxvit_t`, `s3d`, and the quantization builders with
`quantize=False`, in every spelling (`torchvision.models.resnet50`, `models.resnet50`,
`from torchvision.models import resnet50 as r50`, `torchvision.models.resnet.resnet50`,
`torchvision.models.get_model("resnet50")`), plus `torchvision.ops.Conv2dNormActivation` and
`Conv3dNormActivation`. The call gets
`norm_layer=partial(nn.BatchNorm2d, <the builder's own eps/momentum>, track_running_stats=False)`
(a `norm_layer` replaces the default, so e.g. mobilenet_v3's `eps=0.001, momentum=0.01` are
restated; `BatchNorm3d` for s3d). `norm_layer=None` means the default for builders and is replaced;
for the ops blocks it means no norm layer and is left alone.

Model classes whose `norm_layer` reaches every norm layer get the same keyword (or their positional
`norm_layer` slot replaced): `ResNet` (position 7), `resnet.BasicBlock`/`Bottleneck` (7),
`MobileNetV2` (5), `MobileNetV3` (4, `eps=0.001, momentum=0.01`), `RegNet` (5), `EfficientNet` (4),
`MaxVit` (7, `eps=1e-3, momentum=0.01`), video `S3D` (2, `BatchNorm3d`, `eps=0.001, momentum=0.001`),
in every spelling, wherever they are built:

- a direct call, `ResNet(BasicBlock, [2, 2, 2, 2])`;
- a subclass's `super().__init__(...)` or `ResNet.__init__(self, ...)`, as segmentation encoders do;
  `super().__init__(**kwargs)` may already carry `norm_layer`: BN005, set it where the kwargs are built;
- the calls of a subclass without an `__init__` of its own (and its subclasses), defined at module level
  or inside a function or class body (then its calls in that body);
- `functools.partial(ResNet, BasicBlock, [2, 2, 2, 2])`, a model class made into a factory: the keyword is
  added to the partial (a positional `norm_layer` counts from after the class); `**kwargs` in it is BN005.
  Builders likewise: `partial(torchvision.models.resnet50, num_classes=10)` gets the call's fix, and
  `partial(models.densenet121)`, `partial(resnet18, pretrained=True)` or `partial(timm.create_model, ...)`
  the call's BN004. A model class or builder used as a value without `partial` is BN004 (its call is out
  of sight).

The table is [`bn_codemod/model_classes.py`](../bn_codemod/model_classes.py): `scripts/verify_model_classes.py`
checks each entry against torchvision 0.28.0's source (parameter position, default `None`, the
class's own default norm layer, exports), and with `--build` (torchvision 0.29.1 on torch 2.14.1)
builds each class as is and with the added `norm_layer`: tracking norm layers go from 12 (ResNet),
2/3 (BasicBlock/Bottleneck), 52 (MobileNetV2), 34 (MobileNetV3 small), 16 (RegNet), 49 (EfficientNet
b0), 7 (small MaxVit), 77 (S3D) to 0, with eps and momentum of every layer unchanged.

Library norm factories that build a layer from a spec take the fix in the spec itself, where the
spec is written at the call (the table is [`bn_codemod/norm_factories.py`](../bn_codemod/norm_factories.py)):

- MONAI `get_norm_layer(name, spatial_dims, channels)` (`monai.networks.layers`, `.utils`): `"batch"`
  (any case) or `Norm.BATCH`, and `"syncbatch"`/`Norm.SYNCBATCH`, become
  `("batch", {"track_running_stats": False})` (`(Norm.BATCH, {...})`); in `("batch", {...})` or
  `("batch", dict(...))` the key is added, a literal `True` flipped, `False` left alone. MONAI hands the
  dict to the layer as keyword arguments.
- mmcv `build_norm_layer(cfg, num_features)` and `ConvModule(..., norm_cfg=cfg)` (`mmcv.cnn`,
  `mmcv.cnn.bricks`, their modules), with `cfg` a `dict(type="BN", ...)` call or `{"type": "BN", ...}`
  display of type `BN`, `BN1d`, `BN2d`, `BN3d` or `SyncBN`: `track_running_stats=False` is added to the
  dict (mmcv passes every key but `type` and `requires_grad` to the layer); `IN*`, `GN`, `LN` are left
  alone.
  `ConvModule(..., efficient_conv_bn_eval=True)` enables its fused eval path only for a tracking
  BatchNorm: after the fix it falls back to the plain path (no error, no speed-up).
- OpenMMLab backbones that build every norm layer from `norm_cfg` (`<library>.models`,
  `.models.backbones`, their modules): mmdet's `ResNet`, `ResNetV1d`, `ResNeXt`, `RegNet`, `HRNet`,
  `MobileNetV2`, `CSPDarknet`, `Darknet`, `Res2Net`, `ResNeSt`; mmseg's `ResNet`, `ResNetV1c`,
  `ResNetV1d`, `ResNeXt`, `HRNet`, `MobileNetV2`, `MobileNetV3`, `ResNeSt`, `FastSCNN`; mmpretrain's
  `ResNet`, `ResNetV1c`, `ResNetV1d`, `ResNeXt`, `RegNet`, `MobileNetV2`, `MobileNetV3`,
  `EfficientNet`, `ShuffleNetV2`, `SEResNet`, `SEResNeXt`, `ResNet_CIFAR`. Their `norm_cfg` is fixed
  as above; without one, the class's default is restated with the key:
  `ResNetV1c(depth=50)` becomes `ResNetV1c(depth=50, norm_cfg=dict(type='BN', requires_grad=True,
  track_running_stats=False))`. `**kwargs` that may carry `norm_cfg`, or a non-literal `norm_eval`, is
  BN005. With `norm_eval=True` (given, or the default of mmdet's backbones) nothing is reported: the
  class's `train()` puts every BatchNorm in eval mode, so after `model.train()` they never update
  running stats and vmap runs the model unchanged, while the fix would replace the frozen (usually
  pretrained) statistics with batch statistics. A model vmapped before any `.train()` call still
  fails: call `model.train()` first. In a subclass, `super().__init__(...)` is read as a call of the
  parent; `Parent.__init__(self, ...)` and the calls of a subclass without an `__init__` are not.

- torch_geometric's string norm registry (`torch_geometric.nn`, `.models`, `.conv`): `MLP` (whose
  default is `norm="batch_norm"`), `GCN`, `GraphSAGE`, `GIN`, `GAT`, `PNA`, `EdgeCNN` (default `None`)
  and `GPSConv` (default `"batch_norm"`) with `norm` naming a tracking class as `normalization_resolver`
  reads it (lower-cased, `-`, `_` and spaces dropped: `"batch_norm"`, `"BatchNorm"`, `"batch"`,
  `"Batch-Norm"`, ... and `HeteroBatchNorm`, `DiffGroupNorm` likewise) get
  `norm_kwargs={"track_running_stats": False}`, or the key in a literal `norm_kwargs` dict
  (`None` replaced, a literal `True` flipped); pyg hands `norm_kwargs` to every norm layer it builds,
  GIN's and EdgeCNN's inner MLPs included. `MLP(..., batch_norm=True)` (deprecated, overriding `norm`)
  gets `batch_norm_kwargs={...}` instead; `MLP([a, b])` and `MLP(..., num_layers=1)` build no norm
  layer and are left alone. `normalization_resolver("batch_norm", c)` itself gets
  `track_running_stats=False`. A `norm_kwargs` that is not a literal dict, or unpacks `**`, is BN005;
  `allow_single_element=True` (it needs running stats) is BN004. `norm=BatchNorm(c)`, a layer, is
  BN001's at its constructor.

`functools.partial(X, ...)` of any class above gets exactly the call's rule on the arguments after the
class (a positional spec counted from after it): `partial(UNet, spatial_dims=2, norm=Norm.BATCH)` gets
`norm=(Norm.BATCH, {"track_running_stats": False})`, `partial(ResNetV1c, depth=50)` the default restated,
`partial(MLP, [16, 32, 16])` `norm_kwargs=...`; BN004 where no argument reaches the BatchNorm, BN005 for
`**kwargs`, and nothing where the call gets nothing (`partial(UNet, ...)` without `norm`, mmdet's backbones).
`partial(normalization_resolver, ...)` is not followed.

Only calls whose callee resolves through the file's imports into the library count: a function of
your own called with `norm="batch"` or `norm_cfg=dict(type="BN")` is never touched. A spec held in a
name or `**kwargs` is not followed; OpenMMLab config files are reported, never edited (BN004). A dict
that sets the key to a non-literal or unpacks `**` is BN005. `scripts/verify_norm_factories.py` checks the table against
monai 1.6.1, mmcv and detectron2's sources (names, parameter positions, the registry entries, that the
dict reaches the layer), and with `--build` builds each rewritten MONAI spec with monai 1.6.1 on torch
2.13.0: none tracks running stats, and each runs under `torch.func.vmap` like a loop. It checks the
torch_geometric entries against torch_geometric 2.8.1 (the resolver's normalisation and the names it
accepts for each tracking class, parameters, defaults, that `norm_kwargs` reaches every resolver call),
and `--build-pyg` rewrites 15 user-style calls with bn-codemod and builds them with torch_geometric
2.8.1: 2 to 10 running-stat buffers each before, none after, and train-mode vmap matches a loop; the
BN004 ones (GENConv, CGConv, Polynormer) fail under vmap and run after the runtime patch.
OpenMMLab backbones are checked against mmdet 3.3.0, mmsegmentation 1.2.2 and mmpretrain (ee7f2e8):
names, `norm_cfg`/`norm_eval` positions and defaults, no BatchNorm built past `norm_cfg`; and
`--build-openmmlab` builds each with the fixed `norm_cfg` (mmengine 0.10.7, mmcv's Python sources):
no BatchNorm tracks running stats, and each runs under vmap like a loop.

MONAI's networks and blocks that hand their spec to every norm layer they build take the same fix in
their spec parameter, given by keyword or at its position: `UNet`/`Unet` (`norm`, position 9),
`BasicUNet` (5), `BasicUNetPlusPlus` (6), `DynUNet` (`norm_name`, 8), `UNETR` (`norm_name`, 8),
`SwinUNETR` (`norm_name`, 9), `SegResNet` (6), `SegResNetVAE` (10), `AutoEncoder` (12),
`VarAutoEncoder` (13), `Classifier` (7), `Discriminator`/`Critic` (6), `Regressor` (7), `Generator` (7),
`DiNTS` (`norm_name`, 4), `TopologyInstance`/`TopologySearch` (`norm_name`, 7), and the blocks `Convolution` (7), `ResidualUnit` (8), `ADN` (3), `UnetBasicBlock`/`UnetResBlock`
(`norm_name`, 5), `UnetUpBlock` (6), `UnetrBasicBlock`/`UnetrUpBlock` (5), `UnetrPrUpBlock` (7), with
their aliases and modules (`monai.networks.nets.unet.UNet`, ...). Their defaults build no BatchNorm, so
a call without the parameter is left alone. Those whose default builds BatchNorm get the default
restated with the key when the parameter is absent: `SegResNetDS`/`SegResNetDS2` and `DenseNet`
(`norm="batch"`), `DenseNet121`/`169`/`201`/`264` (the same, through `**kwargs`), `ResNetBlock`/
`ResNetBottleneck`, `EfficientNetBN`/`EfficientNetBNFeatures`/`EfficientNetEncoder`/`EfficientNet`
(`("batch", {"eps": 1e-3, "momentum": 0.01, "track_running_stats": False})`), `HighResNet`/`HighResBlock`
(`norm_type`, `("batch", {"affine": True, ...})`), `PatchDiscriminator`/`MultiScalePatchDiscriminator`
and the block `SimpleASPP` (`"BATCH"`); a call with `**kwargs` that may carry the spec is BN005. Unlike
torchvision's builders, a call with `pretrained=True` (EfficientNetBN's default) is fixed: MONAI's
loaders copy only the keys the network has, so the weights still load; the pretrained running
statistics are dropped, as the runtime patch would drop them. A
subclass's `super().__init__(...)` (or `Parent.__init__(self, ...)`) is read like a call of the parent,
and a module-level subclass without an `__init__` is called like it (mmcv's `ConvModule` too).
`scripts/verify_norm_factories.py` checks each entry against monai 1.6.1's source (parameter name,
position, default; no BatchNorm in the class that the spec does not choose; no call that drops the spec
on the way, such as `ResNet._make_layer`), and `--build` writes each as user code, runs the fix, builds
it with monai 1.6.1: no layer tracks running stats, and where the forward pass is deterministic, vmap of
the network (which fails before) matches a loop over the slices.
"""

_BN004_DETAILS = """\
Reported, each with the same advice, because no argument works:

- BatchNorm hard-wired: `densenet*`, `vgg*_bn`, `mnasnet*`, `shufflenet_v2_*`, `googlenet`,
  `inception_v3`, video `r3d_18`/`mc3_18`/`r2plus1d_18`, quantized googlenet/inception/shufflenet;
- `norm_layer` silently ignored: detection (`fasterrcnn_*`, `maskrcnn_*`, `keypointrcnn_*`,
  `retinanet_*`, `fcos_*`) and segmentation (`deeplabv3_*`, `fcn_*`, `lraspp_*`) models. The
  ResNet/MobileNet detection models of the first generation (`fasterrcnn_resnet50_fpn`,
  `fasterrcnn_mobilenet_v3_large_fpn`, `fasterrcnn_mobilenet_v3_large_320_fpn`,
  `maskrcnn_resnet50_fpn`, `keypointrcnn_resnet50_fpn`, `retinanet_resnet50_fpn`,
  `fcos_resnet50_fpn`) use `FrozenBatchNorm2d`, which never updates statistics, whenever `weights`
  or `weights_backbone` is set, and `weights_backbone` defaults to pretrained: they are reported
  only when both are `None`;
- `norm_layer` raises `TypeError` because the builder sets it: `efficientnet_b5`–`b7`,
  `efficientnet_v2_*`; construction fails: `ssdlite320_mobilenet_v3_large`, `raft_large`;
- any fixable builder called with pretrained `weights=` (anything but absent or `None`) or the
  legacy `pretrained=True`: a strict `state_dict` load fails once the running stats are gone;
- `get_model(name)` with a name that is not a literal, and every `timm.create_model(...)`
  (`norm_layer` works for only about half of timm's BatchNorm architectures);
- model classes with BatchNorm hard-wired, constructed, or subclassed (reported once, at the class
  statement, whatever its `__init__` does): torchvision's `DenseNet`, `GoogLeNet`, `Inception3`,
  `MNASNet`, `ShuffleNetV2`, video `VideoResNet`, and `vgg.make_layers(cfg, batch_norm=...)` unless
  `batch_norm` is literally `False` (VGG's BatchNorm comes from there; `VGG` itself is left alone);
  timm's model classes whose default build has BatchNorm (`timm.models` `ResNet`, `BasicBlock`,
  `Bottleneck`, `EfficientNet`, `MobileNetV3`, `RegNet`, `ByobNet`, `CspNet`, `DenseNet`, `DLA`, `DPN`,
  `HighResolutionNet`, `InceptionV3`/`V4`, `SENet`, `TResNet`, `VGG`, `VovNet`, `Xception`, ... 50 in
  all; timm passes `norm_layer` on to only some of their norm layers, so no argument is trusted);
  pretrainedmodels' builders (`se_resnet50`, `dpn92`, `xception`, ... which also load ImageNet weights
  by default) and model classes (`SENet`, `DPN`, `InceptionV4`, `InceptionResNetV2`, `Xception`, ...);
  efficientnet_pytorch's `EfficientNet`, `EfficientNet.from_name`, `EfficientNet.from_pretrained`;
  torch_geometric's `SGFormer` and `GNNFF` (`torch_geometric.nn`, `.nn.models`), which build
  `BatchNorm1d` themselves whatever their arguments (`GPSE`, with BatchNorm unless `has_bn=False`, and
  `LINKX`, with BatchNorm only beyond one layer, depend on an argument and are not in the table);
- a subclass of a fixable torchvision class whose `__init__` never calls the parent's `__init__`
  where bn-codemod can see it;
- any model class of these tables (or a local subclass bound to one), or torchvision builder, used as a
  value that may build a model, where its call is out of sight: assigned (`model_cls = ResNet`, `Net =
  ResNet`), returned, a keyword argument (`build(arch=ResNet)`), a parameter default, a list element or dict
  value (a registry `{"resnet": ResNet}`, `{"r50": models.resnet50}`). Reported once, where it is named,
  with the `norm_layer` to pass where it is called for the torchvision classes and builders that take one
  (the detection builders, whose BatchNorm is frozen unless built without any weights, are left out as
  values); `functools.partial(DenseNet, ...)` and `partial(timm.models.ResNet, ...)` are reported like the
  call. Silent: type checks (`isinstance`, `issubclass`, `type(m) is ResNet`, `==`), `ResNet.__name__`, a
  class passed positionally to some other function, and the blocks `BasicBlock`/`Bottleneck` handed to a
  model (`ResNet(block=Bottleneck)`, smp's `{"block": Bottleneck}`, `partial(Bottleneck, groups=2)`), whose
  norm layer is the model's (the verify script checks that their model passes it on);
- a class of the norm-spec table used as a value in the same places (`model_cls = ResNetV1c`,
  `{"dense": DenseNet121}`, `arch=MLP`) when its default builds tracking BatchNorm (MONAI's networks with a
  batch default, OpenMMLab backbones without `norm_eval=True` by default, torch_geometric's `MLP` and
  `GPSConv`) or some of its BatchNorm is out of any argument's reach (MONAI's `AttentionUnet`, `ResNet`,
  ..., `GENConv`, `Polynormer`, mmpretrain's `HRNet`): the message names the argument to pass where it is
  called, from the table's default, e.g. `norm=("batch", {"track_running_stats": False})`. Silent: classes
  whose default builds no BatchNorm (`UNet`, `GCN`), mmdet's backbones, MONAI's `ResNetBlock`/
  `ResNetBottleneck` (handed to its `ResNet`, which passes its own norm), and type checks;
- detectron2's `get_norm(norm, out_channels)` (`detectron2.layers`, `.batch_norm`) with `norm` one of
  `"BN"`, `"SyncBN"`, `"nnSyncBN"`, `"naiveSyncBN"`, `"naiveSyncBN_N"`: it calls the class with the
  channel count only. `"FrozenBN"` never updates its statistics and `"GN"`/`"LN"` have none, so those
  are not reported; nor is a `norm` held in a name (detectron2's configs default to `"FrozenBN"`);
- OpenMMLab backbones with BatchNorm layers that ignore `norm_cfg` (found by building them):
  mmpretrain's `HRNet` (its `layer1`, 13 layers) and mmseg's `BiSeNetV2` (its branches, 53 layers),
  unless `norm_eval=True`;
- in an OpenMMLab config file (a module that assigns `_base_`, or `model = dict(...)`, at its top
  level), each `dict(type=...)` of type `BN`, `BN1d`, `BN2d`, `BN3d` or `SyncBN` that does not set
  `track_running_stats=False`, except a `norm_cfg` beside `norm_eval=True`. Not fixed: mmengine
  merges every config that inherits this one into it, so a key added here reaches them too, and a
  child's `norm_cfg=dict(type='GN', ...)` (mmdet's `gn/` configs) would then build
  `GroupNorm(..., track_running_stats=False)`, a `TypeError`. Add the key in the config you build
  from. A backbone's `norm_cfg` with no `norm_eval` beside it says that an inherited `norm_eval=True`
  (mmdet's backbones) would make it a no-op.
- MONAI networks some of whose BatchNorm layers no argument reaches, constructed or subclassed
  (reported once, at the class statement): `ResNet` and `resnet10`-`resnet200` (`_make_layer` is
  called without `norm`, so only the stem honours it), `HoVerNet` (its decoders), `FlexibleUNet`
  (its encoder), and `ResNetFeatures`/`ResNetEncoder`, `AttentionUnet`, `VNet`, `AHNet`, `RegUNet`/
  `LocalNet`/`GlobalNet`, `SENet`, `SENet154`, `SEResNet50`/`101`/`152`, `SEResNext50`/`101` (hard-wired
  `Norm.BATCH`). Built with monai 1.6.1 and the spec fixed, they keep between 9 and 202 tracking layers.
- torch_geometric's `GENConv(..., norm="batch")` (its default): its own MLP builds
  `BatchNorm1d(channels, affine=True)` for exactly `"batch"`, with no way to pass an argument; likewise
  `CGConv(..., batch_norm=True)` and `Polynormer(..., post_bn=True)` (its default); and a pyg spec whose
  `norm_kwargs` sets `allow_single_element` (which requires running stats).

[`bn_codemod/model_classes.py`](../bn_codemod/model_classes.py) holds these tables;
`scripts/verify_model_classes.py` checks them against timm 1.0.31, pretrainedmodels 0.7.4,
efficientnet_pytorch 0.7.1 and torch_geometric 2.8.1's sources (defined there, exported as listed, BatchNorm built in code) and
lists, with the reason, every model class of a BatchNorm-building module it leaves out (config
classes, LayerNorm/GroupNorm defaults), so a new release's additions show up.

The advice, in every BN004 message: **call `torch.func.replace_all_batch_norm_modules_(model)`
after the model is built and its weights are loaded, only where you vmap.**
"""

_BN005_DETAILS = """\
`**kwargs`, `*args` covering the slot, or a non-literal value may set
`track_running_stats` (or a builder's or model class's `norm_layer`). Advice: set
`track_running_stats=False` where the value comes from. A `**dd` whose dict is visible and cannot
change is decided instead (see BN001).
"""

_BN006_DETAILS = """\
`functorch.experimental.replace_all_batch_norm_modules_`, imported or as an
attribute, becomes `torch.func.replace_all_batch_norm_modules_` (the same function since torch 2.0).
"""

_BN007_DETAILS = """\
`F.batch_norm`, `torch.batch_norm`, `F.instance_norm`,
`torch.instance_norm` given running stats that are not literally `None` while `training` /
`use_input_stats` is not literally `False`. Advice: pass `running_mean=None, running_var=None` on
the vmapped path.
"""

_BN008_DETAILS = """\
A module-level class that subclasses a BatchNorm-family class is read by how its `__init__` passes
`track_running_stats` to the parent's `__init__` (`super().__init__(...)`, `super(Cls, self).__init__(...)`
or `Parent.__init__(self, ...)`):

- forwarded from its own parameter `track_running_stats` (timm's `BatchNormAct2d` style): a `True`
  default becomes `False`; the subclass becomes a norm class with that parameter as its slot, so
  `BatchNormAct2d(c, track_running_stats=True)` (or positionally) is fixed by BN001 and
  `BatchNormAct2d(c, **cfg)` is not reported (its default no longer tracks);
- a literal `True`, or nothing: that parent call gets `track_running_stats=False` (`True` flipped,
  positionally too), and every instance stops tracking;
- forwarded through the `__init__`'s own `**kwargs` (and not named): the subclass is read like a
  keyword-only norm class, so `MyBN(c)` gets `track_running_stats=False`, which reaches the parent;
- no `__init__`: the subclass is the parent for BN001 (as its subclasses are).

Reported without a fix, with the reason in the message: a value that is not a literal and not a
parameter named `track_running_stats`, a non-literal default, `*args` or unrelated `**kwargs` that may
set it, an `__init__` that never calls the parent's `__init__` where bn-codemod can see it, or one that
calls it several times passing the flag differently (timm's `BatchNormAct2d` calls it twice, in a
`try`/`except TypeError`, the same way: fixed).
"""

_TORCHVISION_TABLE = """\
The knowledge table ([`bn_codemod/torchvision_builders.py`](../bn_codemod/torchvision_builders.py),
checked against torchvision 0.28.0's source and by building every model with torchvision 0.29.1)
says, for every builder, whether its `norm_layer` argument really replaces every BatchNorm: those
that do are fixed (BN003), the others are reported (BN004).
"""

_TORCHVISION_VERIFIED = """\
`tests/test_torchvision_table.py` checks every entry against torchvision 0.28.0's own
source: `scripts/torchvision_source.py` reads the wheel without importing it, follows where a
caller's `norm_layer=` goes, and commits the result with the wheel's sha256
(`tests/data/torchvision-0.28.0.json`), so the check needs no network; one test (in CI) downloads the
wheel again and compares. `scripts/verify_torchvision.py` (run
by hand in an environment with torchvision) builds every registered builder, as written and with
the keyword bn-codemod adds, and counts BatchNorm modules still tracking running stats. Result with
torch 2.14.1 and torchvision 0.29.1 (whose `models/` is identical to 0.28.0's): 121 builders, 121
agree with the table: every BN003 builder goes to 0 tracking modules with eps and momentum of every
norm layer unchanged; every BN004 builder rejects, ignores or breaks on `norm_layer`, and
`replace_all_batch_norm_modules_` brings it to 0; every "nothing to do" builder has no BatchNorm.
Reproduce: `pip install torch==2.14.1 torchvision==0.29.1` in a separate environment, then
`python scripts/verify_torchvision.py`.
"""

_NOTHING_TO_DO = """\
LayerNorm models (`convnext_*`, `swin_*`, `vit_*`, `mvit_*`, `swin3d_*`) and
models without BatchNorm (`alexnet`, `vgg*`, `squeezenet*`, ...). `torchvision.ops.FrozenBatchNorm2d`
never updates statistics and is never reported.
"""

_WHICH_NAMES = """\
bn-codemod follows the file's own imports, in every form (`import torch`, `import torch.nn as nn`,
`from torch import nn as tnn`, `from torch.nn import BatchNorm2d as BN`,
`torch.nn.modules.batchnorm.X`, `torch.nn.modules.instancenorm.X`, `torch.nn.modules.X`, star imports
from those modules, imports inside functions and classes, with Python's scoping rules: a class body's
imports are not visible in its methods). A name that the same scope also binds to something else (a
class or function defined in the file, a parameter, an assignment, an import from another library)
is not surely torch's and is never touched; `X = None` in an `except ImportError:` fallback does not
count. Text in strings and comments is never touched.
"""

_LIMITS = """\
- Only files that pass the prefilter (see [Speed](speed.md)) are parsed; nothing else can hold a
  finding. A syntax error in a file without those words is therefore not reported (bn-codemod is not
  a syntax checker).
- Names rebound by assignment (`norm = nn.BatchNorm2d` then `norm(64)`) are not followed.
- A file CPython parses but libcst cannot (new syntax libcst does not know yet) is reported as
  `libcst cannot parse this file`; with `--check`, only when that syntax sits in code the reduction
  keeps (see [Speed](speed.md)). Fix mode reports it whenever the file has something to fix, and
  never writes it.
- Files are read with the encoding Python would use (BOM, PEP 263 coding cookie, UTF-8 default) and
  written back with the same encoding, BOM, line endings and file mode, atomically (a temporary file
  in the same directory, then a rename).
"""

_HAZARDS_DETAILS = """\
**Scope: per run.** Hazards are collected in every file bn-codemod parses, and shown only when some
file of the same run builds norm layers: a call of a BatchNorm-family class that tracks by default
(`BatchNorm*d`, `LazyBatchNorm*d`, `SyncBatchNorm`, `LazyInstanceNorm*d`), tracking or already
patched with `track_running_stats=False`, a `partial` of one, or any BN001-BN008 finding (factories,
builders, subclasses). A project without such layers gets no hazard, and neither does a run of
files that builds none: the pre-commit hook, which sees only the staged files, reports a hazard in
`train.py` only when a staged file builds norm layers; `bn-codemod --check .` in CI sees them all.
A single source given to the Python API, stdin, or the libcst command is a run of its own. The
prefilter lets through files that name a running statistic, `.load_state_dict` or a fusion helper
(and `torch`), so such files are parsed even when they name no norm class; a file that only
defines `def load_state_dict` (an optimizer, a scheduler) is not.

Strings, comments and docstrings never count: the rules read the syntax tree.
"""

_BN009_DETAILS = _HAZARDS_DETAILS + """
Not counted, because the code handles the absence of statistics: `bn.running_mean is None` (any
comparison with `None`), `hasattr(bn, "running_mean")`, the statistics passed to `F.batch_norm` and
the other functional norms (which take `None`; BN007 reports them when they would update in place),
and `self.running_mean` inside a class that owns its statistics: a subclass of a norm class, or a
class that calls `self.register_buffer("running_mean", ...)` itself (EvoNorm, FrozenBatchNorm,
InplaceABN-style layers, which the fix never touches), and a plain copy of one layer's statistic into
another's, `dst.running_mean = src.running_mean` (converters such as `convert_sync_batchnorm` build
`dst` with `src`'s `track_running_stats`; with both patched it copies `None`, which works).

A write is an assignment to the statistic (also through `.data` or a subscript), an augmented
assignment, an in-place method call on it (`.copy_()`, `.fill_()`, `.zero_()`, any `*_` method), or
`setattr(m, "running_mean", ...)`. **A norm layer constructed in a function that writes running
statistics is not fixed:** the function evidently builds it to carry statistics (converting a frozen
BatchNorm into a fresh `nn.BatchNorm2d` and copying its statistics in, for example), so bn-codemod
reports the constructor as BN001 without `[*]` and leaves it as written. Every other constructor of
the file is fixed as usual.
"""

_BN010_DETAILS = _HAZARDS_DETAILS + """
| helper | after the fix (torch 2.13) |
|---|---|
""" + "\n".join(
    f"| {', '.join(f'`{module}.{name}`' for name in helper.names for module in helper.modules)} "
    f"| {helper.after_the_fix} |"
    for helper in FUSION_HELPERS
) + """

Each entry is resolved in the installed torch and called on layers with and without running
statistics by `tests/test_hazard_table.py` (the `fuser_method_mappings` helpers with `is_qat=False`).
Not listed, because they run without error on such layers: `torch.jit.freeze`,
`torch.jit.optimize_for_inference`, `torch.ao.quantization.fuse_conv_bn_jit`.
PT2E (`prepare_pt2e`) is not part of torch 2.13 (it moved to torchao).
"""

_BN011_DETAILS = _HAZARDS_DETAILS + """
Only method calls `<receiver>.load_state_dict(...)` count, not `super().load_state_dict(...)`
(an override forwarding its caller's choice; the caller is reported) and not receivers whose last
name contains `optim`, `sched` or `scaler`, or is `amp` (optimizers, schedulers, AMP scalers): a
name-based guess, the one heuristic among the hazards. `strict` is read as a keyword or as the
second positional argument.

Migrating checkpoints: `bn_codemod.strip_running_stats(state_dict, model)` returns a copy without
exactly the running-statistic keys that `model` (the fixed model) no longer has; without `model`,
it drops `running_mean`, `running_var` and `num_batches_tracked` of every key prefix that has both
`running_mean` and `running_var`. It is pure Python: importing bn_codemod never imports torch.
"""

_HAZARD_SCOPE = (
    "Report only. Shown when some file of the same run builds norm layers (a BatchNorm-family "
    "constructor, factory or builder, tracking running statistics or already patched)."
)
_HAZARD_ADVICE = (
    "fuse or fold before patching, or keep a deploy copy built with running stats, and patch at run time "
    "(torch.func.replace_all_batch_norm_modules_) only where you vmap. Silence a reviewed line with "
    "# noqa: <code>."
)

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code="BN001",
            title="norm layer constructed with running stats",
            fixable=True,
            what_it_does=(
                "Finds calls that construct a torch.nn BatchNorm1d/2d/3d, LazyBatchNorm1d/2d/3d, "
                "SyncBatchNorm or LazyInstanceNorm1d/2d/3d (which track running statistics by default), "
                "or InstanceNorm1d/2d/3d with track_running_stats=True, and sets "
                "track_running_stats=False: a literal True becomes False, the positional slot is "
                "changed in place, an absent flag is appended. A call that unpacks a dict "
                "(nn.BatchNorm2d(c, **dd)) is fixed too when dd is bound once in the same function or "
                "module to a dict display or dict(...) call with literal keys, without "
                "track_running_stats, and is mentioned nowhere else but in ** unpackings (no subscript "
                "store, .update, del, or passing it on); otherwise it is BN005. Subclasses of these "
                "classes are read the same way (see BN008). A call of MONAI's Norm[Norm.BATCH, 2], the "
                "class BatchNorm2d, is fixed the same way."
            ),
            why=_WHY_TRACKING,
            example_before="self.bn = nn.BatchNorm2d(64)",
            example_after="self.bn = nn.BatchNorm2d(64, track_running_stats=False)",
            fix_safety="Changes behaviour. " + _CAVEATS,
            details=_BN001_DETAILS,
        ),
        Rule(
            code="BN002",
            title="norm class used as a layer factory",
            fixable=True,
            what_it_does=(
                "Finds a BatchNorm-family class used as a value that builds layers: a keyword "
                "argument (norm_layer=nn.BatchNorm2d), an assignment, a default parameter value, a "
                "list element or dict value, a return value, or functools.partial(nn.BatchNorm2d, ...) "
                "(MONAI's Norm[Norm.BATCH, d] is such a class); "
                "also the elements of a factory table: a tuple or list of norm classes in a local name that "
                "is only ever indexed and called right away (types = (nn.BatchNorm1d, nn.BatchNorm2d) with "
                "types[dim - 1] called on the channels) or iterated by loops whose variable is only called "
                "(for cls in types: layers.append(cls(c)); [norm(c) for norm in types]; enumerate, zip, "
                "reversed), or such a literal indexed or iterated likewise. A table whose classes may leave "
                "it (an index returned or stored, isinstance(m, types), a loop variable also compared or "
                "stored, a public module-level name) is reported without a fix: a partial is not a type. "
                "Wraps the class in partial(..., track_running_stats=False), or adds or flips the keyword "
                "in an existing partial; the partial import is reused or added. isinstance/issubclass "
                "arguments, except clauses, annotations, base classes, comparisons, other tuples, sets "
                "and dict keys are never touched. A class passed as a positional argument to another "
                "function is reported without a fix: the callee may compare with it rather than build "
                "layers."
            ),
            why="Every layer the factory builds tracks running statistics. " + _WHY_TRACKING,
            example_before="block = ConvBlock(64, norm_layer=nn.BatchNorm2d)",
            example_after="block = ConvBlock(64, norm_layer=partial(nn.BatchNorm2d, track_running_stats=False))",
            fix_safety=(
                "Changes behaviour as BN001 does. Code that compares the factory with the class "
                "(norm_layer is nn.BatchNorm2d) sees a partial afterwards. " + _CAVEATS
            ),
            details=_BN002_DETAILS,
        ),
        Rule(
            code="BN003",
            title="library builder, model class or norm spec without a vmap-safe norm layer",
            fixable=True,
            what_it_does=(
                "Finds calls of torchvision builders whose norm_layer argument really replaces every "
                "BatchNorm (resnet, resnext, wide_resnet, mobilenet_v2/v3, efficientnet_b0-b4, regnet, "
                "maxvit_t, s3d, the quantization builders with quantize=False; also via get_model) and "
                "torchvision.ops.Conv2dNormActivation/Conv3dNormActivation, and torchvision model "
                "classes whose norm_layer reaches every norm layer (ResNet, its BasicBlock and "
                "Bottleneck, MobileNetV2, MobileNetV3, RegNet, EfficientNet, MaxVit, video S3D), "
                "constructed directly, through a subclass that keeps their signature (at module level or "
                "in a function or class body), in a subclass's super().__init__(...) (or "
                "Parent.__init__(self, ...)) call, or in functools.partial(ResNet, ...) (builders too: "
                "partial(resnet50, ...)), and passes "
                "norm_layer=partial(nn.BatchNorm2d, <the builder's (or class's) own eps/momentum>, "
                "track_running_stats=False). A builder called with pretrained weights is not rewritten "
                "(see BN004); a super().__init__(**kwargs) that may already carry norm_layer is BN005. "
                "Also the norm specs of library norm factories, written at the call: MONAI's "
                "get_norm_layer(\"batch\" | Norm.BATCH | (\"batch\", {...}), ...) gets "
                "(\"batch\", {\"track_running_stats\": False}), and mmcv's build_norm_layer(cfg, ...) and "
                "ConvModule(..., norm_cfg=cfg) with cfg a dict(type=\"BN\", ...) or {\"type\": \"BN\", ...} "
                "(BN, BN1d, BN2d, BN3d, SyncBN) get track_running_stats=False in the dict; so do the "
                "OpenMMLab backbones (mmdet, mmseg, mmpretrain ResNet, ResNetV1c, HRNet, MobileNetV2, ...), "
                "whose default norm_cfg is restated with the key, unless norm_eval=True (mmdet's default) "
                "keeps their BatchNorms in eval mode under train(); "
                "torch_geometric's MLP (batch_norm by default), GCN, GraphSAGE, GIN, GAT, PNA, EdgeCNN "
                "and GPSConv with norm=\"batch_norm\" (any spelling pyg's resolver accepts) get "
                "norm_kwargs={\"track_running_stats\": False}, and normalization_resolver(\"batch_norm\", "
                "c) gets track_running_stats=False. MONAI's "
                "networks and blocks whose spec reaches every norm layer (UNet(norm=Norm.BATCH), "
                "Convolution, ADN, ResidualUnit, DynUNet(norm_name=\"batch\"), UNETR, SwinUNETR, "
                "BasicUNet, SegResNet, ...) get the same fix in their spec, called directly or from a "
                "subclass; those whose default builds BatchNorm (DenseNet121, SegResNetDS, "
                "EfficientNetBN, HighResNet, PatchDiscriminator, ...) get the default restated with the "
                "key when the spec is absent."
            ),
            why=(
                "The builder's default norm layer tracks running statistics. " + _WHY_TRACKING
                + " A norm_layer replaces the builder's default, so its eps and momentum are restated."
            ),
            example_before="model = torchvision.models.mobilenet_v3_large()",
            example_after=(
                "model = torchvision.models.mobilenet_v3_large(norm_layer=partial(nn.BatchNorm2d, "
                "eps=0.001, momentum=0.01, track_running_stats=False))"
            ),
            fix_safety="Changes behaviour as BN001 does. " + _CAVEATS,
            details=_BN003_DETAILS,
        ),
        Rule(
            code="BN004",
            title="norm layers only a runtime patch can fix",
            fixable=False,
            what_it_does=(
                "Reports model factories whose BatchNorm no argument can fix: torchvision builders with "
                "BatchNorm hard-wired (densenet, vgg*_bn, mnasnet, shufflenet_v2, googlenet, "
                "inception_v3, video resnets), with norm_layer silently ignored (detection and "
                "segmentation models) or rejected (efficientnet_b5-b7, efficientnet_v2), raft_large, "
                "ssdlite; any builder called with pretrained weights; get_model with a non-literal "
                "name; timm.create_model; model classes with BatchNorm hard-wired, constructed or "
                "subclassed (reported at the class statement): torchvision's DenseNet, GoogLeNet, "
                "Inception3, MNASNet, ShuffleNetV2 and VideoResNet and make_layers(cfg, "
                "batch_norm=True) (VGG's features), timm's model classes with BatchNorm by default "
                "(timm.models ResNet, EfficientNet, RegNet, ByobNet, DenseNet, ...), pretrainedmodels' "
                "builders and model classes (SENet, DPN, InceptionV4, Xception, ...) and "
                "efficientnet_pytorch's EfficientNet (also from_name/from_pretrained), torch_geometric's "
                "SGFormer and GNNFF; and a subclass "
                "of a fixable torchvision class whose __init__ never calls the parent's; any of these "
                "model classes or torchvision builders used as a value (model_cls = ResNet, returned, a "
                "keyword argument, a default, a dict value), reported where it is named because its call "
                "is out of sight, and functools.partial of a runtime-only class or builder; detectron2's "
                "get_norm(\"BN\", c) (also SyncBN, nnSyncBN, naiveSyncBN, naiveSyncBN_N), which calls the "
                "layer with the channel count only; torch_geometric's GENConv with norm=\"batch\" (its "
                "default), CGConv(batch_norm=True) and Polynormer (post_bn=True by default); MONAI "
                "networks some of whose BatchNorm no argument reaches (ResNet and resnet10-200, HoVerNet, "
                "FlexibleUNet, AttentionUnet, VNet, AHNet, RegUNet, SENet and SEResNet*), constructed or "
                "subclassed; OpenMMLab backbones whose BatchNorms partly ignore norm_cfg (mmpretrain HRNet, "
                "mmseg BiSeNetV2); and the BatchNorm specs of OpenMMLab config files, which are never edited "
                "because inheriting configs are merged into them."
            ),
            why=(
                "An added norm_layer would be ignored or raise, and with pretrained weights the strict "
                "state_dict load fails once the running statistics are gone. " + _WHY_TRACKING
            ),
            example_before="model = torchvision.models.densenet121(weights=None)",
            example_after=(
                "model = torchvision.models.densenet121(weights=None)\n"
                "torch.func.replace_all_batch_norm_modules_(model)  # where you vmap"
            ),
            fix_safety="No automatic fix: " + RUNTIME_PATCH_ADVICE + ".",
            details=_BN004_DETAILS,
        ),
        Rule(
            code="BN005",
            title="track_running_stats cannot be decided statically",
            fixable=False,
            what_it_does=(
                "Reports a norm-layer constructor, partial or builder whose track_running_stats (or "
                "norm_layer) may be set by **kwargs, by *args covering its positional slot, or by a "
                "value other than a literal True or False (a name, an expression, or a non-bool "
                "literal such as 1); likewise a MONAI or mmcv norm spec whose dict sets "
                "track_running_stats to such a value or unpacks **kwargs, a torch_geometric model "
                "building BatchNorm whose norm_kwargs is not a literal dict (or whose norm may come "
                "from **kwargs while its default is batch_norm), and a MONAI network whose default norm "
                "is batch called with **kwargs that may carry its spec."
            ),
            why=(
                "If the value ends up True, the layer fails under torch.func.vmap in train mode; "
                "bn-codemod cannot tell, so it does not guess."
            ),
            example_before="nn.BatchNorm2d(channels, **norm_kwargs)",
            example_after="nn.BatchNorm2d(channels, **norm_kwargs)  # norm_kwargs sets track_running_stats=False",
            fix_safety="No automatic fix: set track_running_stats=False where the value comes from.",
            details=_BN005_DETAILS,
        ),
        Rule(
            code="BN006",
            title="deprecated functorch runtime patch",
            fixable=True,
            what_it_does=(
                "Rewrites functorch.experimental.replace_all_batch_norm_modules_ (import or attribute) "
                "to torch.func.replace_all_batch_norm_modules_."
            ),
            why="functorch is deprecated; torch.func holds the same function since torch 2.0.",
            example_before="from functorch.experimental import replace_all_batch_norm_modules_",
            example_after="from torch.func import replace_all_batch_norm_modules_",
            fix_safety="Safe: the two names are the same object on torch 2.x.",
            details=_BN006_DETAILS,
        ),
        Rule(
            code="BN007",
            title="functional batch norm updating running stats",
            fixable=False,
            what_it_does=(
                "Reports torch.nn.functional.batch_norm, torch.batch_norm, F.instance_norm and "
                "torch.instance_norm called with running_mean/running_var that are not literally None "
                "while training (batch_norm) or use_input_stats (instance_norm) is not literally False."
            ),
            why="They update the running statistics in place, which vmap cannot do: " + VMAP_ERROR,
            example_before="y = F.batch_norm(x, self.running_mean, self.running_var, training=True)",
            example_after="y = F.batch_norm(x, None, None, training=True)  # under vmap",
            fix_safety="No automatic fix: pass running_mean=None, running_var=None on the vmapped path.",
            details=_BN007_DETAILS,
        ),
        Rule(
            code="BN008",
            title="norm subclass that builds its norm with running stats",
            fixable=True,
            what_it_does=(
                "Reads how a class defined at module level that subclasses a BatchNorm-family class "
                "passes track_running_stats to the parent's __init__. Forwarded from a parameter of its "
                "own __init__ named track_running_stats (class BatchNormAct2d(nn.BatchNorm2d) with "
                "track_running_stats=True forwarded to super().__init__): that default becomes False, "
                "and its construction sites are read like the parent's, with the subclass's own "
                "positional slot (an explicit True is fixed by BN001, **kwargs reported by BN005). A "
                "literal True, or nothing, passed to super().__init__ (or Parent.__init__(self, ...)): "
                "that call gets track_running_stats=False. Forwarded through the __init__'s own "
                "**kwargs: its sites are read like a keyword-only norm class. A subclass without an "
                "__init__ is the parent for BN001. Reported without a fix, with the reason, when it "
                "passes a value that is not a literal or a parameter of that name, when "
                "track_running_stats may come from *args or other **kwargs, or when its __init__ does not "
                "call the parent's __init__ where bn-codemod can see it, or calls it more than once in "
                "ways that pass the flag differently (calls that agree, as in a try/except, are fine)."
            ),
            why="Its instances track running statistics, and its own signature hides the flag from bn-codemod.",
            example_before=(
                "class MyBN(nn.BatchNorm2d):\n    def __init__(self, c, track_running_stats=True):\n"
                "        super().__init__(c, track_running_stats=track_running_stats)"
            ),
            example_after=(
                "class MyBN(nn.BatchNorm2d):\n    def __init__(self, c, track_running_stats=False):\n"
                "        super().__init__(c, track_running_stats=track_running_stats)"
            ),
            fix_safety="Changes behaviour as BN001 does, for every instance of the subclass. " + _CAVEATS,
            details=_BN008_DETAILS,
        ),
        Rule(
            code="BN009",
            title="code reads or writes running statistics",
            fixable=False,
            what_it_does=(
                "Reports reads and writes of running_mean, running_var and num_batches_tracked: as "
                "attributes (bn.running_var, bn.running_mean.copy_(...), bn.running_var.data.fill_(...), "
                "bn.running_mean = ...), through getattr/setattr with those literal names, and as "
                "state_dict keys (a string subscript or .endswith(...) argument ending with one). Not "
                "counted: comparisons with None, arguments of functional norms, self.<stat> inside a norm "
                "subclass. A norm layer constructed in a function that writes running statistics is "
                "reported (BN001) instead of fixed: it is meant to carry them. " + _HAZARD_SCOPE
            ),
            why=(
                "After the fix the layer has no running statistics: they are None, so folding BatchNorm "
                "into a conv (RepVGG/MobileOne-style re-parameterisation, deploy-time fuse()) raises "
                "TypeError, copying statistics into a fresh layer raises AttributeError, and state_dict "
                "lookups find no such keys."
            ),
            example_before=(
                "def _fuse_bn_tensor(self, branch):\n"
                "    std = (branch.running_var + branch.eps).sqrt()  # BN009"
            ),
            example_after=(
                "model = build_model()            # with running stats: fuse the deploy copy\n"
                "deploy = fuse(copy.deepcopy(model).eval())\n"
                "torch.func.replace_all_batch_norm_modules_(model)  # only where you vmap"
            ),
            fix_safety="No automatic fix: " + _HAZARD_ADVICE,
            details=_BN009_DETAILS,
        ),
        Rule(
            code="BN010",
            title="fusion helper needs running statistics",
            fixable=False,
            what_it_does=(
                "Reports calls of torch's Conv/Linear+BatchNorm fusion helpers: torch.nn.utils.fusion "
                "fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights; "
                "torch.ao.quantization (and torch.quantization) fuse_modules, fuse_modules_qat, "
                "fuse_conv_bn, fuse_conv_bn_relu, fuse_linear_bn, fuse_convtranspose_bn; quantize_fx "
                "fuse_fx, prepare_fx, prepare_qat_fx; torch.fx.experimental.optimization.fuse. "
                + _HAZARD_SCOPE
            ),
            why=(
                "Fusion folds the running statistics into the conv's weights. On a layer built with "
                "track_running_stats=False they raise AssertionError ('bn.running_mean and bn.running_var "
                "must not be None') or TypeError; torch.fx.experimental.optimization.fuse silently leaves "
                "such layers unfused. Each entry is checked against torch 2.13 by the tests."
            ),
            example_before="model = torch.ao.quantization.fuse_modules(model, [['conv', 'bn', 'relu']])",
            example_after=(
                "deploy = torch.ao.quantization.fuse_modules(model_with_running_stats, [['conv', 'bn', 'relu']])"
            ),
            fix_safety="No automatic fix: " + _HAZARD_ADVICE,
            details=_BN010_DETAILS,
        ),
        Rule(
            code="BN011",
            title="load_state_dict of checkpoints with running statistics",
            fixable=False,
            what_it_does=(
                "Reports <model>.load_state_dict(...) calls (not super().load_state_dict, nor receivers "
                "named like an optimizer, scheduler or scaler): a strict load (the default), "
                "strict=False, or a strict that is not a literal. " + _HAZARD_SCOPE
            ),
            why=(
                "Checkpoints saved before the fix hold running_mean, running_var and num_batches_tracked. "
                "A strict load into the fixed model fails with 'Unexpected key(s) in state_dict'; "
                "strict=False loads, silently drops the trained statistics, and eval outputs change."
            ),
            example_before="model.load_state_dict(torch.load(path))",
            example_after=(
                "from bn_codemod import strip_running_stats\n"
                "model.load_state_dict(strip_running_stats(torch.load(path), model))"
            ),
            fix_safety=(
                "No automatic fix: convert old checkpoints with bn_codemod.strip_running_stats(state_dict, "
                "model) (it drops exactly the keys the fixed model no longer has), or load the checkpoint "
                "into a model built with running stats and patch that one at run time where you vmap."
            ),
            details=_BN011_DETAILS,
        ),
    )
}


# Report-only findings about what the fix breaks elsewhere; shown per run (see runner.py).
HAZARD_CODES = frozenset({"BN009", "BN010", "BN011"})


def explain(code: str) -> str:
    """The `--explain` text of one rule, in ruff's four headings."""
    rule = RULES[code]
    fix = "yes, automatically" if rule.fixable else "no (report only)"
    return (
        f"{rule.code}: {rule.title}\n\n"
        f"What it does\n{rule.what_it_does}\n\n"
        f"Why it matters\n{rule.why}\n\n"
        f"Example\n{_indent(rule.example_before)}\nbecomes\n{_indent(rule.example_after)}\n\n"
        f"Fixable: {fix}\n\n"
        f"Fix safety\n{rule.fix_safety}\n"
    )


def rules_table() -> str:
    """The README's rule table (markdown), generated from RULES."""
    lines = ["| code | what it finds | fixed automatically | example |", "|---|---|---|---|"]
    for rule in RULES.values():
        example = f"`{rule.example_before.splitlines()[0]}`"
        lines.append(f"| {rule.code} | {rule.title} | {'yes' if rule.fixable else 'no'} | {example} |")
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


_GENERATED_NOTICE = (
    "<!-- Generated from bn_codemod/rules.py by `python scripts/gen_rules_doc.py`: edit those, "
    "not this file. -->"
)
_RULES_INTRO = """\
`bn-codemod --list-rules` lists them; `bn-codemod --explain BN001` prints a rule's first four
sections below. `[*]` in the output marks fixable findings. To silence or select rules, see
[Suppressing and selecting](../README.md#suppressing-and-selecting)."""


def reference_markdown() -> str:
    """docs/rules.md: the rule table, every rule in full, then how names and builders are recognised."""
    parts = [
        _GENERATED_NOTICE,
        "# Rules",
        _RULES_INTRO,
        rules_table(),
    ]
    for rule in RULES.values():
        fix = "yes, automatically" if rule.fixable else "no (report only)"
        parts += [
            f"## {rule.code}: {rule.title}",
            f"Fixable: {fix}.",
            f"### What it does\n\n{rule.what_it_does}",
            f"### Why it matters\n\n{rule.why}",
            f"### Example\n\n```python\n{rule.example_before}\n```\n\nbecomes\n\n```python\n{rule.example_after}\n```",
            f"### Fix safety\n\n{rule.fix_safety}",
        ]
        if rule.details:
            parts.append(f"### Details\n\n{rule.details.rstrip()}")
    parts += [
        f"## The torchvision table\n\n{_TORCHVISION_TABLE.rstrip()}",
        f"### How the table is verified\n\n{_TORCHVISION_VERIFIED.rstrip()}",
        f"### Nothing to do\n\n{_NOTHING_TO_DO.rstrip()}",
        f"## Which names are torch's\n\n{_WHICH_NAMES.rstrip()}",
        f"## Limits, decided on purpose\n\n{_LIMITS.rstrip()}",
    ]
    return "\n\n".join(parts) + "\n"

"""Check bn_codemod/norm_factories.py against the libraries' own source code, read with ast, never imported.

Not run in CI (it downloads). MONAI comes from PyPI (`pip download --no-deps monai==1.6.1`); mmcv's wheel
needs a compiler and detectron2 is not on PyPI, so both are read from a checkout or a bare git clone:

    python scripts/verify_norm_factories.py --mmcv /path/to/mmcv --detectron2 /path/to/detectron2

For every entry it checks that each qualified name is defined or imported where the table says, that the
spec parameter sits at the listed name and positional index, and that each spec the table calls tracking
builds a BatchNorm-family class that receives the spec's keyword arguments (MONAI, mmcv) or only the
channel count (detectron2). Specs the table leaves out are listed with the class they build.

MONAI's networks and blocks (MONAI_NETWORKS): each name is bound where the table says, the spec parameter has
the listed name, positional index (or reaches the parent class through **kwargs) and default; a fixable class
builds no BatchNorm its spec does not choose and drops no spec on a call to a helper whose default is batch
(ResNet._make_layer); a BN004 class's module (or the blocks it imports) does.

Where monai imports (a venv of its own with torch==2.13.0 and monai==1.6.1), `--build` also builds each
spec as bn-codemod rewrites it and checks the layer does not track running stats and runs under vmap; and
writes each MONAI network as user code, runs bn-codemod's fix on it and builds it: a fix leaves no layer
tracking (and vmap of the network, which fails before, matches per-slice outputs), a BN004 class still has
tracking layers even with its spec fixed:

    /tmp/monai/bin/python scripts/verify_norm_factories.py --build

torch_geometric (pure Python: `pip download --no-deps torch_geometric==2.8.1`, or --pyg with a wheel, checkout
or bare clone): the resolver's name normalisation and the norm classes it picks (every spelling it accepts for
a tracking class, and nothing else, is in the table), each model's norm/norm_kwargs parameters and default,
and that norm_kwargs reaches every resolver call. In a venv with torch==2.13.0, torch_geometric==2.8.1 and
libcst, `--build-pyg` rewrites user-style calls with bn-codemod itself and builds them: the original fails
under train-mode vmap, the rewrite has no running stats, runs, and matches per-slice outputs.

OpenMMLab backbones (norm_factories.OPENMMLAB_MODELS) are checked against unpacked mmdet 3.3.0 and
mmsegmentation 1.2.2 wheels (`pip download --no-deps`) and an mmpretrain checkout: names, norm_cfg and
norm_eval positions and defaults, and that every norm layer the class builds takes norm_cfg (no BatchNorm
class called directly, every build_norm_layer and every library block that takes norm_cfg handed it).
`--build-openmmlab` builds each class with the fixed norm_cfg (needs torch, mmengine and mmcv's Python
sources, e.g. a venv with mmengine 0.10.7 and a .pth to an mmcv checkout; mmcv's compiled ops are faked):

    python scripts/verify_norm_factories.py --mmdet /tmp/mmdet --mmseg /tmp/mmseg --mmpretrain /tmp/mmpretrain \\
        --build-openmmlab
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bn_codemod import fix_source  # noqa: E402
from bn_codemod.norm_factories import (  # noqa: E402
    DETECTRON2_NAME,
    MMCV_CFG,
    MONAI_HARD_WIRED,
    MONAI_NETWORKS,
    MONAI_PARTLY_REACHED,
    MONAI_NORM_FACTORY,
    MONAI_SPEC,
    MONAI_TRACKING_NAMES,
    NORM_FACTORIES,
    OPENMMLAB_MODELS,
    OpenMMLabModel,
    PYG_FIXED,
    PYG_MLP_LEGACY,
    PYG_MLP_NAMES,
    PYG_NAME,
    PYG_NORM_KWARGS,
    PYG_RESOLVER,
    PYG_TRACKING_NAMES,
    PYG_TRACKING_SLOT,
)

MONAI_RELEASE = "monai==1.6.1"
PYG_RELEASE = "torch_geometric==2.8.1"
BATCHNORM_CLASSES = {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "NaiveSyncBatchNorm"}
problems: list[str] = []


def fail(message: str) -> None:
    problems.append(message)
    print(f"MISMATCH: {message}")


class Source:
    """A library's .py files from a wheel, a directory or a bare git clone, by path."""

    def __init__(self, location: Path) -> None:
        self.location = location

    def read(self, path: str) -> str | None:
        if self.location.suffix == ".whl":
            with zipfile.ZipFile(self.location) as wheel:
                return wheel.read(path).decode() if path in wheel.namelist() else None
        if (self.location / path).is_file():
            return (self.location / path).read_text(encoding="utf-8")
        shown = subprocess.run(
            ["git", "--git-dir", str(self.location), "show", f"HEAD:{path}"], capture_output=True, text=True
        )
        return shown.stdout if shown.returncode == 0 else None

    def paths(self, prefix: str) -> list[str]:
        """The .py files under `prefix` (a wheel or a directory)."""
        if self.location.suffix == ".whl":
            with zipfile.ZipFile(self.location) as wheel:
                return [n for n in wheel.namelist() if n.startswith(prefix) and n.endswith(".py")]
        return [str(p.relative_to(self.location)) for p in (self.location / prefix).rglob("*.py")]

    def module(self, module: str) -> tuple[str, ast.Module] | None:
        base = module.replace(".", "/")
        for path in (f"{base}.py", f"{base}/__init__.py"):
            text = self.read(path)
            if text is not None:
                return path, ast.parse(text)
        return None


def binds(tree: ast.Module, name: str) -> ast.AST | None:
    """The top-level definition, import or assignment of `name` in a module."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return node
        if isinstance(node, ast.ImportFrom) and any((alias.asname or alias.name) == name for alias in node.names):
            return node
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node
    return None


def parameters(definition: ast.AST) -> list[str]:
    if isinstance(definition, ast.ClassDef):
        init = next(n for n in definition.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
        return [a.arg for a in init.args.args[1:]]
    assert isinstance(definition, ast.FunctionDef)
    return [a.arg for a in definition.args.args]


def check_names(source: Source, names: tuple[str, ...]) -> ast.AST | None:
    """Every qualified name resolves; returns the definition (the module that defines, not re-exports, it)."""
    definition = None
    for qualified in names:
        module, _, name = qualified.rpartition(".")
        found = source.module(module)
        node = binds(found[1], name) if found else None
        if node is None:
            fail(f"{qualified}: not defined or imported in {module}")
        elif not isinstance(node, ast.ImportFrom):
            definition = node
    return definition


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def check_monai(source: Source) -> None:
    found = source.module("monai.networks.layers.factories")
    assert found, "monai.networks.layers.factories not found"
    factories = found[1]
    built: dict[str, str] = {}  # factory name (upper) -> what it builds
    for node in ast.walk(factories):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "Norm.factory_function":
                    text = ast.unparse(node)
                    classes = sorted(c for c in BATCHNORM_CLASSES | {"InstanceNorm1d", "InstanceNorm2d"} if c in text)
                    built[decorator.args[0].value.upper()] = ",".join(classes) or "?"
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "Norm.add_factory_class":
            built[node.args[0].value.upper()] = ast.unparse(node.args[1]).rsplit(".", 1)[-1]
    for name in MONAI_TRACKING_NAMES:
        if not any(c in built.get(name, "") for c in BATCHNORM_CLASSES):
            fail(f"monai Norm[{name!r}] builds {built.get(name)!r}, not a BatchNorm class")
    for name, builds in sorted(built.items()):
        if name not in MONAI_TRACKING_NAMES:
            print(f"monai Norm[{name!r}] left out: builds {builds}")
    if not any(isinstance(n, ast.Assign) and ast.unparse(n).startswith("Norm = LayerFactory(") for n in factories.body):
        fail("monai: Norm is not a LayerFactory in monai.networks.layers.factories")
    for qualified in MONAI_NORM_FACTORY:
        module, _, name = qualified.rpartition(".")
        if not (source.module(module) and binds(source.module(module)[1], name)):
            fail(f"{qualified}: not bound")


def check_factory_call(factory, definition: ast.AST) -> None:
    """The spec's keyword arguments reach the layer (MONAI, mmcv), or nothing but the channel count does."""
    text = ast.unparse(definition)
    if factory.kind == MONAI_SPEC:
        ok = "split_args(name)" in text and any(ast.unparse(c) == "norm_type(**kw_args)" for c in calls(definition))
    elif factory.kind == MMCV_CFG:
        if isinstance(definition, ast.ClassDef):  # ConvModule: hands norm_cfg to build_norm_layer
            ok = any(ast.unparse(c).startswith(f"build_norm_layer({factory.keyword},") for c in calls(definition))
        else:
            ok = any(ast.unparse(c) == "norm_layer(num_features, **cfg_)" for c in calls(definition))
    else:
        ok = any(ast.unparse(c) == "norm(out_channels)" for c in calls(definition))
    if not ok:
        fail(f"{factory.names[0]}: the spec does not reach the layer as the table says ({factory.kind})")


def check_mmcv_registry(source: Source, factory) -> None:
    found = source.module("mmcv.cnn.bricks.norm")
    registered = {
        c.args[0].value: ast.unparse(c.keywords[0].value).rsplit(".", 1)[-1]
        for c in calls(found[1])
        if ast.unparse(c.func) == "MODELS.register_module" and c.args and c.keywords
    }
    for spec in factory.tracking_specs:
        if registered.get(spec) not in BATCHNORM_CLASSES:
            fail(f"mmcv type {spec!r} registers {registered.get(spec)!r}, not a BatchNorm class")
    for spec, cls in sorted(registered.items()):
        if spec not in factory.tracking_specs:
            print(f"mmcv type {spec!r} left out: registers {cls}")


def check_detectron2_table(definition: ast.FunctionDef, factory) -> None:
    table = next(n for n in ast.walk(definition) if isinstance(n, ast.Dict))
    entries = {k.value: ast.unparse(v) for k, v in zip(table.keys, table.values)}
    for spec in factory.tracking_specs:
        if not any(cls in entries.get(spec, "") for cls in BATCHNORM_CLASSES):
            fail(f"detectron2 get_norm({spec!r}) builds {entries.get(spec)!r}, not a BatchNorm class")
    for spec, value in sorted(entries.items()):
        if spec not in factory.tracking_specs:
            print(f"detectron2 get_norm({spec!r}) left out: {value}")


def verify(sources: dict[str, Source]) -> None:
    for factory in NORM_FACTORIES:
        if factory.kind in (PYG_NAME, PYG_RESOLVER, PYG_FIXED):
            continue  # check_pyg
        source = sources.get(factory.library)
        if source is None:
            print(f"skipped {factory.names[0]}: no {factory.library} source given")
            continue
        if factory in MONAI_NETWORKS:
            check_monai_network(source, factory)
            continue
        definition = check_names(source, factory.names)
        if definition is None:
            fail(f"{factory.names[0]}: no module defines it")
            continue
        names = parameters(definition)
        index = names.index(factory.keyword) if factory.keyword in names else None
        if index is None or index != factory.positional_index:
            fail(f"{factory.names[0]}: {factory.keyword} at {index}, table says {factory.positional_index}")
        check_factory_call(factory, definition)
        if factory.kind == MMCV_CFG and factory.names[0].endswith("build_norm_layer"):
            check_mmcv_registry(source, factory)
        if factory.kind == DETECTRON2_NAME:
            check_detectron2_table(definition, factory)
        print(f"checked {factory.names[0]}")
    if "monai" in sources:
        check_monai(sources["monai"])
    if "torch_geometric" in sources:
        check_pyg(sources["torch_geometric"])


# ---- OpenMMLab model classes (norm_factories.OPENMMLAB_MODELS) ----
OPENMMLAB_LIBRARIES = {"mmdet": "mmdet==3.3.0", "mmseg": "mmsegmentation==1.2.2"}  # mmpretrain: a checkout


def openmmlab_binds(source: Source, module: str, name: str) -> ast.AST | None:
    """`name` in `module`, also through `from .x import *` (how mmdet.models re-exports its backbones)."""
    found = source.module(module)
    if found is None:
        return None
    node = binds(found[1], name)
    if node is not None:
        return node
    for star in found[1].body:
        if isinstance(star, ast.ImportFrom) and star.level == 1 and [a.name for a in star.names] == ["*"]:
            node = openmmlab_binds(source, f"{module}.{star.module}", name)
            if node is not None:
                return node
    return None


def init_of(definition: ast.ClassDef) -> ast.FunctionDef | None:
    return next((n for n in definition.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)


def parameter(init: ast.FunctionDef, name: str) -> tuple[int | None, str] | None:
    """(positional index without self, None when keyword-only; default as source text) of a parameter."""
    positional = init.args.posonlyargs + init.args.args
    defaults = [None] * (len(positional) - len(init.args.defaults)) + list(init.args.defaults)
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        if arg.arg == name:
            return index - 1, ast.unparse(default) if default is not None else ""
    for arg, default in zip(init.args.kwonlyargs, init.args.kw_defaults):
        if arg.arg == name:
            return None, ast.unparse(default) if default is not None else ""
    return None


def norm_takers(source: Source, library: str) -> set[str]:
    """Names of the library's classes and module-level functions that take a norm_cfg parameter."""
    names = set()
    for path in source.paths(f"{library}/models/"):
        for node in ast.parse(source.read(path)).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                init = init_of(node) if isinstance(node, ast.ClassDef) else node
                if init is not None and parameter(init, "norm_cfg") is not None:
                    names.add(node.name)
    return names


def openmmlab_chain(source: Source, model: OpenMMLabModel) -> list[tuple[str, ast.ClassDef]]:
    """(module, class) from the table's class up to the one whose __init__ declares norm_cfg; every class on the
    way must hand its **kwargs to super().__init__."""
    module, _, name = model.factory.names[0].rpartition(".")
    chain = []
    while True:
        found = source.module(module)
        definition = binds(found[1], name) if found else None
        if isinstance(definition, ast.ImportFrom):  # the parent lives next door: `from .resnet import ResNet`
            module = f"{module.rpartition('.')[0]}.{definition.module}"
            continue
        if not isinstance(definition, ast.ClassDef):
            fail(f"{model.factory.names[0]}: {name} not found in {module}")
            return chain
        chain.append((module, definition))
        init = init_of(definition)
        if init is not None and parameter(init, "norm_cfg") is not None:
            return chain
        if init is not None and not (
            init.args.kwarg
            and any(
                ast.unparse(c.func).startswith("super(") and any(k.arg is None for k in c.keywords) for c in calls(init)
            )
        ):
            fail(f"{model.factory.names[0]}: {name}.__init__ does not hand **kwargs to its parent")
            return chain
        name = ast.unparse(definition.bases[0])


def check_openmmlab(source: Source, model: OpenMMLabModel, takers: set[str]) -> None:
    factory = model.factory
    for qualified in factory.names:
        module, _, name = qualified.rpartition(".")
        if openmmlab_binds(source, module, name) is None:
            fail(f"{qualified}: not defined or imported in {module}")
    chain = openmmlab_chain(source, model)
    if not chain:
        return
    declaring = init_of(chain[-1][1])
    own = len(chain) == 1
    for keyword, index, default in (
        ("norm_cfg", factory.positional_index, factory.default_spec),
        ("norm_eval", model.norm_eval_index, str(model.norm_eval_default)),
    ):
        found = parameter(declaring, keyword) if declaring else None
        if keyword == "norm_eval" and model.norm_eval_default is None:
            if found is not None:
                fail(f"{factory.names[0]}: has norm_eval, the table says it has none")
            continue
        if found is None:
            fail(f"{factory.names[0]}: no {keyword} parameter")
            continue
        found_index = found[0] if own else None
        if found_index != index or found[1] != ast.unparse(ast.parse(default)):
            fail(f"{factory.names[0]}: {keyword} at {found_index} = {found[1]}, table says {index} = {default}")
    if ast.parse(factory.default_spec).body[0].value.keywords[0].value.value not in factory.tracking_specs:
        fail(f"{factory.names[0]}: default {factory.default_spec} is not a tracking spec")
    # Every norm layer from norm_cfg: no BatchNorm class called directly, every build_norm_layer given norm_cfg,
    # and every call of a library class or function that takes norm_cfg handed it.
    misses = []
    for module, definition in chain:
        for call in calls(source.module(module)[1]):
            callee = ast.unparse(call.func).rsplit(".", 1)[-1]
            if callee in BATCHNORM_CLASSES:
                misses.append(f"{module}: {ast.unparse(call)}")
        for call in calls(definition):
            callee = ast.unparse(call.func).rsplit(".", 1)[-1]
            if callee == "build_norm_layer" and "norm_cfg" not in ast.unparse(call.args[0]):
                misses.append(f"{definition.name}: {ast.unparse(call)}")
            elif callee in takers - {"build_norm_layer", definition.name} and not any(
                k.arg in ("norm_cfg", None) for k in call.keywords
            ):
                misses.append(f"{definition.name}: {ast.unparse(call)[:80]}")
    if misses and not model.misses:
        fail(f"{factory.names[0]}: norm layers that ignore norm_cfg: {misses}")
    elif model.misses and not misses:
        fail(f"{factory.names[0]}: the table says {model.misses!r}, but every norm layer takes norm_cfg")
    print(f"checked {factory.names[0]}" + (f" (misses, as the table says: {misses})" if misses else ""))


def verify_openmmlab(sources: dict[str, Source]) -> None:
    takers: dict[str, set[str]] = {}
    for model in OPENMMLAB_MODELS:
        library = model.factory.library
        if library not in sources:
            print(f"skipped {model.factory.names[0]}: no {library} source given")
            continue
        if library not in takers:
            takers[library] = norm_takers(sources[library], library)
        check_openmmlab(sources[library], model, takers[library])


def build_openmmlab() -> None:
    """Each table class built with its norm_cfg as bn-codemod writes it: no BatchNorm tracks running stats (except
    where the table says it misses some), and train-mode vmap runs and matches a per-sample loop. mmcv's compiled
    ops are faked (no norm layer comes from them) and mmdet/mmseg's mmcv version gate is skipped: see
    openmmlab_importable()."""
    import importlib
    import inspect

    import torch
    from torch.nn.modules.batchnorm import _BatchNorm

    arch = {"RegNet": "regnetx_400mf", "EfficientNet": "b0", "MobileNetV3": "small", "HRNet": "w18"}
    hrnet_extra = {
        f"stage{i}": dict(
            num_modules=1,
            num_branches=i - 1 or 1,
            block="BOTTLENECK" if i == 1 else "BASIC",
            num_blocks=(1,) * (i - 1 or 1),
            num_channels=(8, 16, 32, 64)[: i - 1 or 1],
        )
        for i in range(1, 5)
    }
    inputs = torch.randn(2, 2, 3, 64, 64)  # the last stage keeps 2x2 pixels: batch statistics of 8 values
    for model in OPENMMLAB_MODELS:
        module, _, name = model.factory.names[1].rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        accepted = {p for k in cls.__mro__ if "__init__" in vars(k) for p in inspect.signature(k.__init__).parameters}
        # The smallest build: RegNet takes arch, not its parent's depth; Darknet has only depth 53.
        if "arch" in accepted and name in arch:
            kwargs = {"arch": arch[name]}
        elif "depth" in accepted:
            kwargs = {"depth": min(getattr(cls, "arch_settings", None) or [18])}
        else:
            kwargs = {}
        if "ResNeXt" in name:
            kwargs.update({"groups": 4, "base_width" if "base_width" in accepted else "width_per_group": 4})
        if name == "HRNet" and "arch" not in accepted:
            kwargs = {"extra": hrnet_extra}
        config = dict(eval(model.factory.default_spec), track_running_stats=False)
        if model.norm_eval_default is not None:
            kwargs["norm_eval"] = False
        built = cls(**kwargs, norm_cfg=config)
        built.train()  # mmdet's train() returns None
        tracking = [n for n, m in built.named_modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
        if bool(tracking) != bool(model.misses):
            fail(f"{model.factory.names[1]}: built with {config}, tracking: {tracking}")
            continue
        if tracking:
            print(f"built {model.factory.names[1]}: {len(tracking)} layers still track, as the table says")
            continue
        outputs = torch.func.vmap(built)(inputs)
        looped = [built(sample) for sample in inputs]
        pairs = [(o[i], looped[i][k]) for k, o in enumerate(outputs) for i in range(len(inputs))]
        if not all(torch.allclose(batched, single, atol=1e-3, rtol=1e-3) for batched, single in pairs):
            worst = max((batched - single).abs().max().item() for batched, single in pairs)
            fail(f"{model.factory.names[1]}: vmap differs from a per-sample loop by up to {worst:.2e}")
            continue
        print(f"built {model.factory.names[1]}: no BatchNorm tracks, runs under vmap, matches a loop")


def openmmlab_importable(roots: dict[str, Path]) -> None:
    """Make mmdet/mmseg/mmpretrain importable without mmcv's compiled ops: fake mmcv.ops (and test-time
    dependencies no backbone uses), skip the packages' top-level __init__ (a version gate on mmcv)."""
    import importlib.abc
    import importlib.machinery
    import types

    import torch

    faked = ("mmcv.ops", "pycocotools", "terminaltables", "shapely", "scipy", "six", "tqdm", "modelindex", "einops")
    faked += ("ftfy", "regex")

    class Fake(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            value = type(name, (torch.nn.Module,), {}) if name[:1].isupper() else (lambda *a, **k: None)
            setattr(self, name, value)
            return value

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path, target=None):
            if any(fullname == root or fullname.startswith(root + ".") for root in faked):
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            module = Fake(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, Finder())
    for package, root in roots.items():
        sys.path.insert(0, str(root))
        if package in ("mmdet", "mmseg"):
            stub = types.ModuleType(package)
            stub.__path__ = [str(root / package)]
            sys.modules[package] = stub


def build_monai() -> None:
    """Each MONAI spec as bn-codemod writes it builds a layer without running stats that runs under vmap."""
    import torch
    from monai.networks.layers import Norm, get_norm_layer

    fixed = {
        '("batch", {"track_running_stats": False})': get_norm_layer(("batch", {"track_running_stats": False}), 2, 4),
        '(Norm.BATCH, {"track_running_stats": False})': get_norm_layer((Norm.BATCH, {"track_running_stats": False}), 3, 4),
        '("batch", {"eps": 1e-3, "track_running_stats": False})': get_norm_layer(
            ("batch", {"eps": 1e-3, "track_running_stats": False}), 1, 4
        ),
        "Norm[Norm.BATCH, 2](4, track_running_stats=False)": Norm[Norm.BATCH, 2](4, track_running_stats=False),
        '("syncbatch", {"track_running_stats": False})': get_norm_layer(("syncbatch", {"track_running_stats": False}), 2, 4),
    }
    tracking = get_norm_layer("batch", 2, 4)
    x = torch.randn(3, 2, 4, 5, 5)
    try:
        torch.func.vmap(tracking.train())(x)
        fail("monai: the unfixed get_norm_layer('batch', 2, 4) ran under vmap")
    except RuntimeError:
        pass
    for source, layer in fixed.items():
        if layer.track_running_stats or layer.running_mean is not None:
            fail(f"monai: {source} still tracks running stats")
        if isinstance(layer, torch.nn.SyncBatchNorm):
            continue  # needs a process group to run
        shape = {"BatchNorm1d": (3, 2, 4, 5), "BatchNorm2d": (3, 2, 4, 5, 5), "BatchNorm3d": (3, 2, 4, 5, 5, 5)}
        inputs = torch.randn(*shape[type(layer).__name__])
        batched = torch.func.vmap(layer.train())(inputs)
        if not torch.allclose(batched, torch.stack([layer(slice_) for slice_ in inputs]), atol=1e-5):
            fail(f"monai: {source} under vmap differs from per-slice outputs")
        print(f"built {source}: {type(layer).__name__}, no running stats, runs under vmap")


# --- MONAI networks and blocks (issue 14) -----------------------------------------------------------------
def _is_tracking_spec(expression: ast.expr | None) -> bool:
    """A MONAI spec that builds BatchNorm: "batch", Norm.BATCH, ("batch", {...}) (any case)."""
    if isinstance(expression, ast.Tuple) and expression.elts:
        expression = expression.elts[0]
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return expression.value.upper() in MONAI_TRACKING_NAMES
    return isinstance(expression, ast.Attribute) and expression.attr in MONAI_TRACKING_NAMES


def _signature(definition: ast.AST) -> ast.arguments | None:
    if isinstance(definition, ast.FunctionDef):
        return definition.args
    init = next((n for n in definition.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    return init.args if init else None


def _defaults(arguments: ast.arguments) -> dict[str, ast.expr | None]:
    positional = arguments.posonlyargs + arguments.args
    padded = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    values = {a.arg: d for a, d in zip(positional, padded)}
    values.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)})
    return values


def hard_wired_batchnorm(tree: ast.AST) -> list[str]:
    """BatchNorm that no spec parameter chooses: Norm[Norm.BATCH, d], nn.BatchNorm*(...), norm=Norm.BATCH or
    "norm": "batch" written as an argument or a dict entry (not as a parameter's default)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Norm" and isinstance(node.slice, ast.Tuple):
            if _is_tracking_spec(node.slice.elts[0]):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).rsplit(".", 1)[-1] in BATCHNORM_CLASSES:
            found.append(ast.unparse(node))
        elif isinstance(node, ast.keyword) and node.arg and "norm" in node.arg and _is_tracking_spec(node.value):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "norm" and _is_tracking_spec(value):
                    found.append(f"{{'norm': {ast.unparse(value)}}}")
    return found


def calls_dropping_the_spec(tree: ast.Module, definition: ast.AST) -> list[str]:
    """Calls in `definition` of a function, method or class of the same module whose norm parameter defaults to
    BatchNorm, that do not pass it: the default BatchNorm is built whatever the caller's spec (ResNet._make_layer)."""
    callables: dict[str, tuple[str, int, ast.expr]] = {}  # name -> (parameter, positional index, default)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and (arguments := _signature(node)) is not None:
            names = [a.arg for a in arguments.posonlyargs + arguments.args]
            offset = 1 if names[:1] == ["self"] else 0
            for parameter, default in _defaults(arguments).items():
                if parameter in ("norm", "norm_name", "norm_type") and _is_tracking_spec(default):
                    index = names.index(parameter) - offset if parameter in names else None
                    callables[node.name] = (parameter, index, default)
    dropped = []
    for call in calls(definition):
        name = ast.unparse(call.func).removeprefix("self.")
        if name not in callables:
            continue
        parameter, index, _ = callables[name]
        passed = any(k.arg in (parameter, None) for k in call.keywords) or (index is not None and len(call.args) > index)
        if not passed:
            dropped.append(ast.unparse(call))
    return dropped


def _defining_module(source: Source, names: tuple[str, ...]) -> tuple[ast.Module, ast.AST]:
    """The module that defines (not re-exports) the first of `names` found, and the definition; an alias
    assignment (`Unet = UNet`) leads to the class it names."""
    for qualified in names:
        module, _, name = qualified.rpartition(".")
        found = source.module(module)
        node = binds(found[1], name) if found else None
        if node is not None and not isinstance(node, ast.ImportFrom):
            while isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                node = binds(found[1], node.value.id)
            return found[1], node
    raise LookupError(names)


def loads_only_own_keys(tree: ast.Module) -> bool:
    """The module's _load_state_dict loads back the network's own state_dict with pretrained values copied in,
    so keys the fixed network lacks (running_mean, ...) are never asked for."""
    loader = binds(tree, "_load_state_dict")
    if not isinstance(loader, ast.FunctionDef):
        return False
    own = {
        target.id
        for node in ast.walk(loader)
        if isinstance(node, ast.Assign) and ast.unparse(node.value) == "model.state_dict()"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    loads = [c for c in calls(loader) if ast.unparse(c.func) == "model.load_state_dict"]
    return bool(loads) and all(len(c.args) == 1 and ast.unparse(c.args[0]) in own for c in loads)


def check_monai_network(source: Source, factory) -> None:
    """Signature and default as the table says; for a fix, no BatchNorm in its module that the spec does not choose
    and no call that drops the spec; for BN004, the evidence that some BatchNorm is out of the spec's reach."""
    name = factory.names[0]
    if check_names(source, factory.names) is None:
        fail(f"{name}: no module defines it")
        return
    tree, definition = _defining_module(source, factory.names)
    arguments = _signature(definition)
    dropped = calls_dropping_the_spec(tree, definition)
    if factory.kind == MONAI_HARD_WIRED:
        # Its module builds BatchNorm that no spec chooses (the helpers it uses live there too), or the class
        # drops its spec on the way; which layers stay out of reach is shown by building it (--build).
        wired = dropped + hard_wired_batchnorm(tree) + calls_dropping_the_spec(tree, tree)
        for node in tree.body:  # and the block modules it imports its layers from (RegUNet's regunet_block)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("monai.networks.blocks."):
                wired += hard_wired_batchnorm(source.module(node.module)[1])
        if arguments is not None and any(_is_tracking_spec(d) for d in _defaults(arguments).values()):
            wired.append("a BatchNorm default for a spec its build ignores in part (see --build)")
        if not wired:
            fail(f"{name}: the table says hard-wired, but no BatchNorm outside the spec was found")
            return
        print(f"checked {name}: BN004, {wired[0]}")
        return
    names = [a.arg for a in arguments.posonlyargs + arguments.args]
    names = names[1:] if names[:1] == ["self"] else names
    defaults = _defaults(arguments)
    if factory.positional_index is None:
        # Keyword-only through **kwargs, handed to the parent class that takes it (DenseNet121 -> DenseNet).
        parent = next((b.id for b in definition.bases if isinstance(b, ast.Name)), None)
        parent_definition = binds(tree, parent) if parent else None
        forwards = any(
            ast.unparse(c.func) == "super().__init__" and any(k.arg is None for k in c.keywords) for c in calls(definition)
        )
        if factory.keyword in names or arguments.kwarg is None or not forwards or parent_definition is None:
            fail(f"{name}: {factory.keyword} does not reach {parent} through **kwargs")
            return
        defaults = _defaults(_signature(parent_definition))
    elif factory.keyword not in names or names.index(factory.keyword) != factory.positional_index:
        index = names.index(factory.keyword) if factory.keyword in names else None
        fail(f"{name}: {factory.keyword} at {index}, table says {factory.positional_index}")
    default = defaults.get(factory.keyword)
    if factory.default_spec:
        if default is None or ast.dump(default) != ast.dump(ast.parse(factory.default_spec, mode="eval").body):
            fail(f"{name}: {factory.keyword} defaults to {default and ast.unparse(default)}, table says {factory.default_spec}")
    elif _is_tracking_spec(default):
        fail(f"{name}: {factory.keyword} defaults to {ast.unparse(default)}, which builds BatchNorm: the table needs default_spec")
    wired = hard_wired_batchnorm(definition) + dropped
    if wired:
        fail(f"{name}: BatchNorm the spec does not choose: {wired[0]}")
    if "pretrained" in names and not loads_only_own_keys(tree):
        fail(f"{name}: pretrained weights may not load once the running stats are gone")
    print(f"checked {name}: {factory.keyword} at {factory.positional_index}, default {default and ast.unparse(default)}")


# Each MONAI entry built from user code, as bn-codemod leaves it: (arguments, per-slice input shape or None when
# the forward pass takes more than one tensor or draws random numbers). Fix entries pass a tracking spec unless
# their default is one; BN004 entries are built as written, and with the spec fixed where they take one.
MONAI_BUILDS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "UNet": ("2, 1, 2, channels=(4, 8, 16), strides=(2, 2), norm=Norm.BATCH", (2, 1, 16, 16)),
    "BasicUNet": ("2, 1, 2, features=(4, 4, 8, 8, 16, 4), norm='batch'", (2, 1, 32, 32)),
    "BasicUNetPlusPlus": ("2, 1, 2, features=(4, 4, 8, 8, 16, 4), norm=('batch', {})", (2, 1, 32, 32)),
    "DynUNet": ("2, 1, 2, [3, 3, 3], [1, 2, 2], [2, 2], norm_name='BATCH'", (2, 1, 16, 16)),
    "UNETR": ("1, 2, (32, 32), 4, 48, 96, 4, norm_name='batch', spatial_dims=2", (2, 1, 32, 32)),
    "SwinUNETR": ("1, 2, spatial_dims=2, feature_size=12, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1), norm_name='batch'", (2, 1, 32, 32)),
    "SegResNet": ("2, 4, norm=('batch', {'eps': 1e-3})", (2, 1, 16, 16)),
    "SegResNetVAE": ("(16, 16), spatial_dims=2, init_filters=4, norm='batch'", None),
    "AutoEncoder": ("2, 1, 1, (4, 8), (2, 2), norm='batch'", (2, 1, 16, 16)),
    "VarAutoEncoder": ("2, (1, 16, 16), 1, 4, (4, 8), (2, 2), norm='batch'", None),
    "Classifier": ("(1, 16, 16), 2, (4, 8), (2, 2), norm='batch'", (2, 1, 16, 16)),
    "Discriminator": ("(1, 16, 16), (4, 8), (2, 2), dropout=0.0, norm='batch'", (2, 1, 16, 16)),
    "Regressor": ("(1, 16, 16), (2,), (4, 8), (2, 2), norm='batch'", (2, 1, 16, 16)),
    "Generator": ("(16,), (4, 4, 4), (8, 4), (2, 2), norm='batch'", (2, 16)),
    "DiNTS": (
        "nets.TopologyInstance(channel_mul=0.5, num_blocks=2, num_depths=2, spatial_dims=2, norm_name='batch'), 1, 2, "
        "spatial_dims=2, norm_name='batch'",
        (2, 1, 16, 16),
    ),
    "TopologyInstance": ("channel_mul=0.5, num_blocks=2, num_depths=2, spatial_dims=2, norm_name='batch'", None),
    "Convolution": ("2, 1, 4, norm='batch'", (2, 1, 8, 8)),
    "ResidualUnit": ("2, 1, 4, norm='batch'", (2, 1, 8, 8)),
    "ADN": ("'NA', 4, norm='batch', norm_dim=2", (2, 4, 8, 8)),
    "UnetBasicBlock": ("2, 1, 4, 3, 1, 'batch'", (2, 1, 8, 8)),
    "UnetUpBlock": ("2, 4, 2, 3, 1, 2, 'batch'", None),
    "UnetrBasicBlock": ("2, 1, 4, 3, 1, norm_name='batch'", (2, 1, 8, 8)),
    "UnetrPrUpBlock": ("2, 4, 2, 1, 3, 2, 2, 'batch', conv_block=True", (2, 4, 8, 8)),
    "SegResNetDS": ("2, 4", (2, 1, 16, 16)),
    "DenseNet": ("2, 1, 2, 4, 4, (1, 1)", (2, 1, 16, 16)),
    "DenseNet121": ("spatial_dims=2, in_channels=1, out_channels=2, init_features=4, growth_rate=4", (2, 1, 32, 32)),
    "DenseNet169": ("spatial_dims=2, in_channels=1, out_channels=2, init_features=4, growth_rate=4", None),
    "DenseNet201": ("spatial_dims=2, in_channels=1, out_channels=2, init_features=4, growth_rate=4", None),
    "DenseNet264": ("spatial_dims=2, in_channels=1, out_channels=2, init_features=4, growth_rate=4", None),
    "ResNetBlock": ("4, 4, spatial_dims=2", (2, 4, 8, 8)),
    "EfficientNetBN": ("'efficientnet-b0', pretrained=False, spatial_dims=2, in_channels=1, num_classes=2", None),  # dropout
    "EfficientNet": ("['r1_k3_s11_e1_i32_o16_se0.25'], 2, 1, 2, dropout_rate=0.0, drop_connect_rate=0.0", (2, 1, 32, 32)),
    "HighResNet": ("2, 1, 2", (2, 1, 16, 16)),
    "HighResBlock": ("2, 4, 4", (2, 4, 8, 8)),
    "PatchDiscriminator": ("2, 8, 1", (2, 1, 32, 32)),
    "MultiScalePatchDiscriminator": ("2, 2, 2, 8, 1, minimum_size_im=64", (2, 1, 64, 64)),
    "SimpleASPP": ("2, 4, 2", (2, 4, 8, 8)),
    "ResNet": ("'basic', [1, 1, 1, 1], [4, 8, 16, 32], spatial_dims=2, n_input_channels=1, num_classes=2", None),
    **{f"resnet{d}": ("spatial_dims=2, n_input_channels=1, num_classes=2", None) for d in (10, 18, 34, 50, 101, 152, 200)},
    "HoVerNet": ("in_channels=3", None),
    "FlexibleUNet": ("1, 2, 'efficientnet-b0', spatial_dims=2", None),
    "ResNetFeatures": ("'resnet10', pretrained=False, spatial_dims=2, in_channels=1", None),
    "AttentionUnet": ("2, 1, 2, (4, 8, 16), (2, 2)", None),
    "VNet": ("2, 1, 2", None),
    "AHNet": ("spatial_dims=2", None),
    "RegUNet": ("2, 1, 4, 2", None),
    "SENet": ("2, 1, 'se_resnet_bottleneck', [1, 1, 1, 1], 1, 16, inplanes=64, downsample_kernel_size=1, input_3x3=False", None),
    **{name: ("spatial_dims=2, in_channels=1, num_classes=2", None) for name in (
        "SENet154", "SEResNet50", "SEResNet101", "SEResNet152", "SEResNext50", "SEResNext101")},
}


def _tracking_layers(model) -> int:
    import torch

    return sum(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats for m in model.modules())


def build_monai_networks() -> None:
    """Each entry in user code, fixed by bn-codemod: a fix leaves no layer tracking running stats, runs under
    train-mode vmap (where the original fails) and matches per-slice outputs; a BN004 entry keeps tracking layers
    even with its spec fixed, so no fix would do."""
    import warnings

    import torch
    from torch.utils._pytree import tree_leaves

    warnings.filterwarnings("ignore")
    for factory in MONAI_NETWORKS:
        qualified = factory.names[0]
        package, _, name = qualified.rpartition(".")
        if name not in MONAI_BUILDS:
            fail(f"{qualified}: no build case")
            continue
        arguments, shape = MONAI_BUILDS[name]
        user_code = (
            f"from monai.networks import nets\nfrom monai.networks.layers import Norm\nfrom {package} import {name}\n"
            f"net = {name}({arguments})\n"
        )
        fixed_code, findings = fix_source(user_code)
        codes = sorted({f.code for f in findings})
        original: dict = {}
        try:
            exec(user_code, original)
        except Exception as error:  # a wrong build case, reported like a mismatch
            fail(f"{qualified}: {arguments} does not build: {type(error).__name__}: {error}")
            continue
        if _tracking_layers(original["net"]) == 0:
            fail(f"{qualified}: {arguments} builds no layer tracking running stats")
            continue
        if factory.kind == MONAI_HARD_WIRED:
            remaining, how = _tracking_layers(original["net"]), "as built"
            if factory.builds == MONAI_PARTLY_REACHED:  # it takes a spec: fixed, some layers still track
                spec = "('batch', {'eps': 1e-3, 'momentum': 0.1, 'track_running_stats': False})"
                with_spec: dict = {}
                exec(f"{user_code[:-2]}, norm={spec})\n", with_spec)
                remaining, how = _tracking_layers(with_spec["net"]), f"with norm={spec}"
            if codes != ["BN004"] or fixed_code != user_code or remaining == 0:
                fail(f"{qualified}: BN004 entry gave {codes}, {remaining} tracking layers {how}")
            else:
                print(f"built {name}: BN004, {remaining} layers track running stats {how}")
            continue
        fixed: dict = {}
        exec(fixed_code, fixed)
        net = fixed["net"].train()
        if codes != ["BN003"] or _tracking_layers(net):
            fail(f"{qualified}: findings {codes}, {_tracking_layers(net)} layers still track after the fix")
            continue
        if shape is None:
            print(f"built {name}: no running stats after the fix (forward not run: {arguments})")
            continue
        torch.manual_seed(0)
        inputs = torch.randn(3, *shape)
        try:
            torch.func.vmap(original["net"].train(), randomness="same")(inputs)
            fail(f"{qualified}: the unfixed network ran under vmap")
        except RuntimeError:
            pass
        batched = tree_leaves(torch.func.vmap(net, randomness="same")(inputs))
        looped = [tree_leaves(net(slice_)) for slice_ in inputs]
        for index, leaf in enumerate(batched):
            if not torch.allclose(leaf, torch.stack([outputs[index] for outputs in looped]), atol=1e-4):
                fail(f"{qualified}: vmap of the fixed network differs from per-slice outputs")
                break
        else:
            print(f"built {name}: no running stats after the fix, runs under vmap and matches per-slice outputs")


# ---- torch_geometric (i14-pyg) ------------------------------------------------------------------------------


def _pyg_tree(source: Source, module: str) -> ast.Module:
    found = source.module(module)
    assert found, f"{module} not found"
    return found[1]


def _function(tree: ast.AST, name: str) -> ast.FunctionDef | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _init(tree: ast.Module, cls: ast.ClassDef) -> ast.FunctionDef | None:
    """A class's __init__, or its base's in the same module (the BasicGNN subclasses inherit theirs)."""
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is not None:
        return init
    base = binds(tree, ast.unparse(cls.bases[0])) if cls.bases else None
    return _init(tree, base) if isinstance(base, ast.ClassDef) else None


def _parameter(init: ast.FunctionDef, name: str) -> tuple[int | None, str | None, bool]:
    """(positional index without self, default as source, keyword-only) of a parameter; index -1 if absent."""
    positional = [a.arg for a in init.args.args[1:]]
    if name in positional:
        index = positional.index(name)
        defaults = init.args.defaults
        offset = len(positional) - len(defaults)
        default = ast.unparse(defaults[index - offset]) if index >= offset else None
        return index, default, False
    keyword_only = [a.arg for a in init.args.kwonlyargs]
    if name in keyword_only:
        default = init.args.kw_defaults[keyword_only.index(name)]
        return None, ast.unparse(default) if default is not None else None, True
    return -1, None, False


def _same_default(table: str, source: str | None) -> bool:
    """The table's default_spec ("" for one building no tracking layer) against the source's default."""
    if not table:
        return source in ("None", "False")
    return source is not None and ast.literal_eval(table) == ast.literal_eval(source)


def check_pyg_resolver(source: Source) -> dict[str, tuple[str, int]]:
    """The names normalization_resolver accepts for each tracking class, and where the class takes the flag."""
    resolver = _pyg_tree(source, "torch_geometric.resolver")
    normalize = _function(resolver, "normalize_string")
    namespace: dict = {}
    exec(compile(ast.Module([normalize], []), "normalize_string", "exec"), namespace)  # pure str methods
    normalize_string = namespace["normalize_string"]
    from bn_codemod.families.norm_specs import normalize_pyg_name

    samples = ["batch_norm", "Batch-Norm", "BATCH NORM", "b_a-t c_h", "Batch\tNorm", "BatchNorm1d", "İ_x", "ß-X"]
    for sample in samples:
        if normalize_pyg_name(sample) != normalize_string(sample):
            fail(f"pyg normalize_string({sample!r}) is {normalize_string(sample)!r}, bn-codemod's is {normalize_pyg_name(sample)!r}")
    matcher = ast.unparse(_function(resolver, "resolver"))
    if "query_repr in [cls_repr, cls_repr.replace(base_cls_repr, '')]" not in matcher or "cls(*args, **kwargs)" not in matcher:
        fail("pyg resolver(): a class is no longer matched by its normalised name (with or without the base name)")
    norm_resolver = _function(_pyg_tree(source, "torch_geometric.nn.resolver"), "normalization_resolver")
    text = ast.unparse(norm_resolver)
    if "base_cls_repr = 'Norm'" not in text or "norm_dict = {}" not in text or "import torch_geometric.nn.norm as norm" not in text:
        fail("pyg normalization_resolver: not the classes of torch_geometric.nn.norm with base name 'Norm' and no aliases")
    if [a.arg for a in norm_resolver.args.args] != ["query"] or not norm_resolver.args.vararg or not norm_resolver.args.kwarg:
        fail("pyg normalization_resolver: not (query, *args, **kwargs)")
    # The classes in the order vars(torch_geometric.nn.norm) lists them: its imports, in order.
    package = _pyg_tree(source, "torch_geometric.nn.norm")
    accepted: dict[str, tuple[str, int]] = {}
    seen: set[str] = set()
    for node in package.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        defining = _pyg_tree(source, "torch_geometric.nn.norm." + node.module)
        for alias in node.names:
            cls = binds(defining, alias.name)
            init = _init(defining, cls)
            index, default, _ = _parameter(init, "track_running_stats") if init else (-1, None, False)
            base = normalize_string("Norm")
            for key in (normalize_string(alias.name), normalize_string(alias.name).replace(base, "")):
                if key in seen:
                    continue  # an earlier class wins
                seen.add(key)
                if default == "True":
                    accepted[key] = (alias.name, index)
    if accepted != PYG_TRACKING_SLOT or set(PYG_TRACKING_NAMES) != set(accepted):
        fail(f"pyg: normalization_resolver builds tracking layers for {accepted}, the table says {PYG_TRACKING_SLOT}")
    else:
        print(f"ok  pyg normalization_resolver: tracking names {sorted(accepted)}; {len(seen) - len(accepted)} other names")
    return accepted


def _pyg_exports(source: Source, module: str, name: str) -> bool:
    """`name` is bound in `module`, directly or through `from .sub import *` of a module that lists it in __all__."""
    tree = _pyg_tree(source, module)
    if binds(tree, name) is not None:
        return True
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and [a.name for a in node.names] == ["*"]:
            inner = _pyg_tree(source, f"{module}.{node.module}")
            listed = next((n.value for n in inner.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__all__"), None)
            if isinstance(listed, ast.List) and name in [ast.literal_eval(e) for e in listed.elts]:
                return True
    return False


def _pyg_check_names(source: Source, names: tuple[str, ...]) -> ast.AST | None:
    """Every qualified name is importable; returns the definition (in the module the last name names)."""
    for qualified in names:
        module, _, name = qualified.rpartition(".")
        if not _pyg_exports(source, module, name):
            fail(f"{qualified}: not defined, imported or star-exported in {module}")
    module, _, name = names[-1].rpartition(".")
    definition = binds(_pyg_tree(source, module), name)
    return definition if isinstance(definition, (ast.ClassDef, ast.FunctionDef)) else None


def _resolver_calls(tree: ast.AST) -> list[ast.Call]:
    return [c for c in calls(tree) if ast.unparse(c.func) == "normalization_resolver"]


def check_pyg(source: Source) -> None:
    check_pyg_resolver(source)
    for factory in NORM_FACTORIES:
        if factory.kind not in (PYG_NAME, PYG_RESOLVER, PYG_FIXED):
            continue
        definition = _pyg_check_names(source, factory.names)
        if definition is None:
            fail(f"{factory.names[0]}: no module defines it")
            continue
        name = factory.names[0]
        module_tree = _pyg_tree(source, factory.names[-1].rpartition(".")[0])
        if factory.kind == PYG_RESOLVER:
            if [a.arg for a in definition.args.args][: 1] != [factory.keyword]:
                fail(f"{name}: its first parameter is not {factory.keyword}")
            print(f"ok  {name}")
            continue
        init = _init(module_tree, definition)
        if init is None:
            fail(f"{name}: no __init__ in its module")
            continue
        index, default, keyword_only = _parameter(init, factory.keyword)
        if index != factory.positional_index or (factory.positional_index is None) != keyword_only:
            fail(f"{name}: {factory.keyword} at {index} (keyword-only: {keyword_only}), table says {factory.positional_index}")
        if not _same_default(factory.default_spec, default):
            fail(f"{name}: {factory.keyword} defaults to {default}, table says {factory.default_spec!r}")
        if factory.kind == PYG_FIXED and factory.tracking_specs == ("True",):
            # `if flag:` / `if self.flag:` around BatchNorm1d(...) calls that take no track_running_stats
            guarded = [
                c
                for branch in ast.walk(definition)
                if isinstance(branch, ast.If) and ast.unparse(branch.test) in (factory.keyword, f"self.{factory.keyword}")
                for c in calls(ast.Module(branch.body, []))
                if ast.unparse(c.func).endswith("BatchNorm1d")
            ]
            tracking = [c for c in guarded if not any(k.arg in ("track_running_stats", None) for k in c.keywords) and len(c.args) < 5]
            if not guarded or len(tracking) != len(guarded):
                fail(f"{name}: {factory.keyword}=True no longer builds BatchNorm1d with the channel count only")
            else:
                print(f"ok  {name}: {factory.keyword} at {index}, default {default}, True builds {len(guarded)} BatchNorm1d call(s)")
            continue
        if factory.kind == PYG_FIXED:
            gen = ast.unparse(module_tree)
            built = "if norm and norm == 'batch':\n                    m.append(BatchNorm1d(channels[i], affine=True))" in gen
            if not built or "self.mlp = MLP(channels, norm=norm, bias=bias)" not in gen or factory.tracking_specs != ("batch",):
                fail(f"{name}: norm == 'batch' no longer builds BatchNorm1d(channels, affine=True) with nothing else")
            else:
                print(f"ok  {name}: {factory.keyword} at {index}, default {default}, 'batch' builds BatchNorm1d only")
            continue
        kwargs_index, kwargs_default, kwargs_keyword_only = _parameter(init, PYG_NORM_KWARGS)
        expected_kwargs = None if factory.positional_index is None else factory.positional_index + 1
        if kwargs_index != expected_kwargs or kwargs_default != "None":
            fail(f"{name}: {PYG_NORM_KWARGS} at {kwargs_index}, not right after {factory.keyword}")
        # Every layer comes from normalization_resolver(norm, c, **(norm_kwargs or {})) or **norm_kwargs after
        # `norm_kwargs = norm_kwargs or {}`; models built inside get norm and norm_kwargs together.
        base = binds(module_tree, "BasicGNN")
        scope = ast.Module([definition] if base is None or base is definition else [base, definition], [])
        resolved = _resolver_calls(scope)
        reaching = [
            c for c in resolved
            if ast.unparse(c.args[0]) == "norm" and [ast.unparse(k.value) for k in c.keywords if k.arg is None]
            in (["norm_kwargs or {}"], ["norm_kwargs"])
        ]
        inner = [c for c in calls(scope) if ast.unparse(c.func) == "MLP"]
        passed_on = all(
            {"norm=self.norm", "norm_kwargs=self.norm_kwargs"} <= {f"{k.arg}={ast.unparse(k.value)}" for k in c.keywords}
            for c in inner
        )
        direct = [ast.unparse(c) for c in calls(scope) if "BatchNorm" in ast.unparse(c.func)]
        if not resolved or len(reaching) != len(resolved) or not passed_on or direct:
            fail(f"{name}: norm_kwargs does not reach every norm layer ({len(reaching)}/{len(resolved)}, {direct})")
        else:
            print(f"ok  {name}: {factory.keyword} at {index}, default {default}, norm_kwargs reaches {len(resolved)} resolver call(s)")
        if name in PYG_MLP_NAMES:
            text = ast.unparse(init)
            legacy = (
                f"kwargs.get('{PYG_MLP_LEGACY[0]}', None)" in text
                and "norm = 'batch_norm' if batch_norm else None" in text
                and f"norm_kwargs = {PYG_MLP_LEGACY[1]} or {{}}" in text
            )
            if not legacy:
                fail(f"{name}: the deprecated {PYG_MLP_LEGACY[0]}= no longer replaces norm and norm_kwargs")
            # bn-codemod leaves MLP([a, b]) and MLP(..., num_layers=1) alone while plain_last is True
            widths = (
                "iterator = channel_list[1:-1] if plain_last else channel_list[1:]" in text
                and "channel_list = [hidden_channels] * (num_layers - 1)" in text
                and "channel_list = [in_channels] + channel_list + [out_channels]" in text
            )
            if not widths:
                fail(f"{name}: a norm layer no longer follows every hidden width (and the last, without plain_last)")


# User-style calls, as written before bn-codemod: the build rewrites them with bn-codemod itself.
PYG_BUILD_CASES = {
    "MLP default": "MLP([16, 32, 16])",
    "MLP batch_norm": "MLP([16, 32, 16], norm='batch_norm', norm_kwargs={'eps': 1e-3})",
    "MLP 'Batch Norm', plain_last=False": "MLP([16, 32, 16], norm='Batch Norm', plain_last=False)",
    "MLP batch": "MLP(in_channels=16, hidden_channels=32, out_channels=16, num_layers=3, norm='BATCH')",
    "MLP diffgroup": "MLP([16, 32, 16], norm='diff_group_norm', norm_kwargs=dict(groups=2))",
    "MLP batch_norm=True": "MLP([16, 32, 16], batch_norm=True)",
    "GCN": "GCN(16, 16, 3, norm='batch_norm')",
    "GIN": "GIN(16, 16, 3, norm='BatchNorm', norm_kwargs={'momentum': 0.2})",
    "GraphSAGE": "GraphSAGE(16, 16, 3, norm='batch-norm', jk='cat')",
    "GAT": "GAT(16, 16, 3, None, 0.0, 'relu', False, None, norm='batch')",
    "PNA": "PNA(16, 16, 3, norm='batchnorm', aggregators=['mean', 'max'], scalers=['identity'], deg=torch.tensor([0, 6]))",
    "EdgeCNN": "EdgeCNN(16, 16, 3, norm='batch_norm', norm_kwargs={'track_running_stats': True})",
    "GPSConv": "GPSConv(16, GCNConv(16, 16))",
    "resolver batch_norm": "normalization_resolver('batch_norm', 16)",
    "resolver HeteroBatchNorm": "normalization_resolver('HeteroBatchNorm', 16, 2)",
}


# Reported (BN004) rather than fixed: the original fails under vmap and the runtime patch makes it run.
PYG_RUNTIME_CASES = {
    "GENConv": "GENConv(16, 16)",
    "CGConv": "CGConv(16, batch_norm=True)",
    "Polynormer": "Polynormer(16, 16, 4, local_layers=2, in_dropout=0.0, dropout=0.0, global_dropout=0.0)",
}


def build_pyg() -> None:
    """Each case as bn-codemod rewrites it: tracking before and failing under vmap; no running stats after,
    runs under train-mode vmap over sets of node features, and matches a per-slice loop."""
    import torch
    from torch_geometric.nn import GAT, GCN, GIN, MLP, PNA, CGConv, EdgeCNN, GCNConv, GENConv, GPSConv, GraphSAGE  # noqa: F401
    from torch_geometric.nn.models import Polynormer  # noqa: F401
    from torch_geometric.nn.resolver import normalization_resolver  # noqa: F401

    from bn_codemod import fix_source

    names = dict(locals())
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0]])
    types = torch.tensor([0, 1] * 3)

    def call(model, x):
        if type(model).__name__ in ("MLP", "BatchNorm", "DiffGroupNorm"):
            return model(x)
        if type(model).__name__ == "HeteroBatchNorm":
            return model(x, types)
        if type(model).__name__ == "Polynormer":
            return model(x, edge_index, None)
        return model(x, edge_index)

    def tracking(model):
        return [n for n, b in model.named_buffers() if n.rsplit(".", 1)[-1] in ("running_mean", "running_var")]

    for label, expression in PYG_BUILD_CASES.items():
        header = (
            "import torch\nfrom torch_geometric.nn import GAT, GCN, GIN, MLP, PNA, EdgeCNN, GCNConv, GPSConv, GraphSAGE\n"
            "from torch_geometric.nn.resolver import normalization_resolver\n"
        )
        fixed, findings = fix_source(f"{header}x = {expression}\n")
        fixed_expression = fixed[len(header) + len("x = "):].strip()
        if not findings or fixed_expression == expression:
            fail(f"pyg {label}: bn-codemod did not rewrite {expression}")
            continue
        torch.manual_seed(0)
        before = eval(expression, names).train()
        after = eval(fixed_expression, names).train()
        inputs = torch.randn(3, 6, 16)
        try:
            torch.func.vmap(lambda t: call(before, t), randomness="same")(inputs)
            failed_before = False
        except RuntimeError:
            failed_before = True
        if not tracking(before) or not failed_before:
            fail(f"pyg {label}: the original has {len(tracking(before))} running-stat buffers, fails under vmap: {failed_before}")
        if tracking(after):
            fail(f"pyg {label}: {fixed_expression} still has {tracking(after)}")
            continue
        try:
            batched = torch.func.vmap(lambda t: call(after, t), randomness="same")(inputs)
        except Exception as error:  # noqa: BLE001 - reported, the script goes on
            fail(f"pyg {label}: {fixed_expression} fails under vmap: {type(error).__name__}: {str(error)[:120]}")
            continue
        looped = torch.stack([call(after, t) for t in inputs])
        if not torch.allclose(batched, looped, atol=1e-5):
            fail(f"pyg {label}: {fixed_expression} under vmap differs from per-slice outputs")
            continue
        print(f"built {label}: {fixed_expression}: {len(tracking(before))} running-stat buffers before, 0 after, vmap ok")
    for label, expression in PYG_RUNTIME_CASES.items():
        header = (
            "from torch_geometric.nn import CGConv, GENConv\nfrom torch_geometric.nn.models import Polynormer\n"
        )
        fixed, findings = fix_source(f"{header}x = {expression}\n")
        if [f.code for f in findings] != ["BN004"] or fixed != f"{header}x = {expression}\n":
            fail(f"pyg {label}: bn-codemod gives {[f.code for f in findings]} for {expression}, not one BN004")
            continue
        torch.manual_seed(0)
        model = eval(expression, names).train()
        inputs = torch.randn(3, 6, 16)
        try:
            torch.func.vmap(lambda t: call(model, t), randomness="same")(inputs)
            fail(f"pyg {label}: {expression} ran under vmap before the runtime patch")
            continue
        except RuntimeError:
            pass
        torch.func.replace_all_batch_norm_modules_(model)
        batched = torch.func.vmap(lambda t: call(model, t), randomness="same")(inputs)
        if not torch.allclose(batched, torch.stack([call(model, t) for t in inputs]), atol=1e-5):
            fail(f"pyg {label}: {expression} after the runtime patch differs from per-slice outputs")
            continue
        print(f"built {label}: {expression}: BN004; fails under vmap, runs after replace_all_batch_norm_modules_")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monai", type=Path, help="a monai wheel (default: pip download " + MONAI_RELEASE + ")")
    parser.add_argument("--mmcv", type=Path, help="an mmcv checkout or bare git clone")
    parser.add_argument("--detectron2", type=Path, help="a detectron2 checkout or bare git clone")
    for library in ("mmdet", "mmseg", "mmpretrain"):
        parser.add_argument(f"--{library}", type=Path, help=f"an unpacked {library} wheel or checkout")
    parser.add_argument("--build", action="store_true", help="build the fixed MONAI layers (needs monai and torch)")
    parser.add_argument("--pyg", type=Path, help="a torch_geometric wheel, checkout or bare clone (default: " + PYG_RELEASE + ")")
    parser.add_argument("--build-pyg", action="store_true", help="rewrite and build torch_geometric models (needs it)")
    parser.add_argument(
        "--build-openmmlab",
        action="store_true",
        help="build the OpenMMLab classes from the --mmdet/--mmseg/--mmpretrain trees (needs torch, mmengine, mmcv)",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        monai = options.monai
        if monai is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", MONAI_RELEASE, "-d", directory], check=True
            )
            monai = next(Path(directory).glob("monai-*.whl"))
        sources = {"monai": Source(monai)}
        pyg = options.pyg
        if pyg is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", PYG_RELEASE, "-d", directory], check=True
            )
            pyg = next(Path(directory).glob("torch_geometric-*.whl"))
        sources["torch_geometric"] = Source(pyg)
        for library in ("mmcv", "detectron2"):
            if getattr(options, library) is not None:
                sources[library] = Source(getattr(options, library))
        verify(sources)
        openmmlab = {k: getattr(options, k) for k in ("mmdet", "mmseg", "mmpretrain") if getattr(options, k)}
        verify_openmmlab({library: Source(location) for library, location in openmmlab.items()})
    if options.build_openmmlab:
        openmmlab_importable(openmmlab)
        build_openmmlab()
    if options.build:
        build_monai()
        build_monai_networks()
    if options.build_pyg:
        build_pyg()
    print(f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Check bn_codemod/norm_factories.py against the libraries' own source code, read with ast, never imported.

Not run in CI (it downloads). MONAI comes from PyPI (`pip download --no-deps monai==1.6.1`); mmcv's wheel
needs a compiler and detectron2 is not on PyPI, so both are read from a checkout or a bare git clone:

    python scripts/verify_norm_factories.py --mmcv /path/to/mmcv --detectron2 /path/to/detectron2

For every entry it checks that each qualified name is defined or imported where the table says, that the
spec parameter sits at the listed name and positional index, and that each spec the table calls tracking
builds a BatchNorm-family class that receives the spec's keyword arguments (MONAI, mmcv) or only the
channel count (detectron2). Specs the table leaves out are listed with the class they build.

Where monai imports (a venv of its own with torch==2.13.0 and monai==1.6.1), `--build` also builds each
spec as bn-codemod rewrites it and checks the layer does not track running stats and runs under vmap:

    /tmp/monai/bin/python scripts/verify_norm_factories.py --build

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

from bn_codemod.norm_factories import (  # noqa: E402
    DETECTRON2_NAME,
    MMCV_CFG,
    MONAI_NORM_FACTORY,
    MONAI_SPEC,
    MONAI_TRACKING_NAMES,
    NORM_FACTORIES,
    OPENMMLAB_MODELS,
    OpenMMLabModel,
)

MONAI_RELEASE = "monai==1.6.1"
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
        source = sources.get(factory.library)
        if source is None:
            print(f"skipped {factory.names[0]}: no {factory.library} source given")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monai", type=Path, help="a monai wheel (default: pip download " + MONAI_RELEASE + ")")
    parser.add_argument("--mmcv", type=Path, help="an mmcv checkout or bare git clone")
    parser.add_argument("--detectron2", type=Path, help="a detectron2 checkout or bare git clone")
    for library in ("mmdet", "mmseg", "mmpretrain"):
        parser.add_argument(f"--{library}", type=Path, help=f"an unpacked {library} wheel or checkout")
    parser.add_argument("--build", action="store_true", help="build the fixed MONAI layers (needs monai and torch)")
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
    print(f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

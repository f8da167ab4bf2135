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
    parser.add_argument("--build", action="store_true", help="build the fixed MONAI layers (needs monai and torch)")
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
    if options.build:
        build_monai()
    print(f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

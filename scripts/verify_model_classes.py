"""Check bn_codemod/model_classes.py against the libraries' own source code.

Not run in CI (it downloads): `pip download --no-deps` fetches the exact releases the table names into a
temporary directory, and their .py files are read with zipfile/tarfile + ast, never imported:

    python scripts/verify_model_classes.py

Where torchvision imports (a separate venv: see scripts/verify_torchvision.py), `--build` also constructs
every torchvision norm-layer class twice, as is and with the norm_layer bn-codemod passes, and checks that
the second has no tracking norm layer left and the same eps/momentum everywhere:

    /tmp/tv/bin/python scripts/verify_model_classes.py --build

For every entry it checks that the class (or function) is defined where the table says and exported by every
module listed; for norm-layer classes, that `norm_layer` sits at the listed positional index with default None
and that the class's own `if norm_layer is None: norm_layer = ...` is the listed default; for runtime-only
entries, that their module builds BatchNorm and, for torchvision, that they take no norm_layer. It also lists
the model classes of BatchNorm-building modules the table leaves out, with the reason each is left out, so a
new release's additions show. Entries marked `block` (silent as values) must take norm_layer and be handed it by
another model of their module. Exits 1 on any disagreement.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bn_codemod.model_classes import (
    BATCHNORM_SWITCHES,
    EFFICIENTNET_PYTORCH_CLASSES,
    PRETRAINEDMODELS_CLASSES,
    PRETRAINEDMODELS_FACTORIES,
    TIMM_CLASSES,
    TORCHVISION_CLASSES,
    ModelClass,
)
from bn_codemod.knowledge import LIBRARY_NORM_CLASSES  # noqa: E402
from bn_codemod.torchvision_builders import NORM_LAYER_WORKS, RUNTIME_ONLY  # noqa: E402

RELEASES = (
    "torchvision==0.28.0",
    "timm==1.0.31",
    "pretrainedmodels==0.7.4",
    "efficientnet_pytorch==0.7.1",
    "torch_geometric==2.8.1",
)
# Modules that re-export classes defined elsewhere (torchvision.models.mobilenet re-exports v2 and v3).
TORCHVISION_PACKAGES = ("torchvision.models", "torchvision.models.video", "torchvision.models.mobilenet")
BATCHNORM = re.compile(r"BatchNorm|^batchnorm|BnAct|^bn$")

# Model classes of BatchNorm-building modules that the table leaves out on purpose.
TORCHVISION_LEFT_OUT = {
    "VGG": "its BatchNorm comes from make_layers(batch_norm=True), reported at that call",
}
TORCHVISION_LEFT_OUT.update(
    {
        "VisionTransformer": "LayerNorm; BatchNorm2d only in a conv stem built from conv_stem_configs",
        "MViT": "LayerNorm; it only tests isinstance(norm, BatchNorm1d)",
        "RAFT": "takes its encoders as built modules (raft_large is in the builder table)",
        "DeepLabV3": "takes built backbone and head modules (its builders are in the builder table)",
        "FCN": "takes built backbone and head modules (its builders are in the builder table)",
        "LRASPP": "takes built backbone and head modules (its builders are in the builder table)",
    }
)
TIMM_LEFT_OUT = {
    "ByoModelCfg": "a config dataclass",
    "ByoBlockCfg": "a config dataclass",
    "MaxxVitCfg": "a config dataclass",
    "MaxxVitConvCfg": "a config dataclass",
    "MaxxVitTransformerCfg": "a config dataclass",
    "RegNetCfg": "a config dataclass",
    "EfficientViMDistilled": "subclasses EfficientViM (the table's entry); not exported by timm.models",
    "MaxxVit": "conv blocks' norm comes from its cfg (batchnorm2d in some configs): cfg-dependent, left out",
    "MixerBlock": "LayerNorm by default (BatchNorm only in the ResMLP/gMLP variants' builders)",
    "MlpMixer": "LayerNorm by default",
    "ResNetV2": "GroupNormAct by default",
    "RDNet": "LayerNorm2d by default",
    "Sequencer2d": "LayerNorm by default",
    "SHViT": "GroupNorm1 by default in its blocks (BatchNorm in its stem is built by Conv2d_BN helpers)",
    "Visformer": "LayerNorm2d by default",
    "VOLO": "LayerNorm by default",
    "Xcit": "LayerNorm by default",
    "IFormer": "not exported by timm.models",
}

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print("FAIL", message)


def download(directory: Path) -> dict[str, dict[str, str]]:
    """{package: {path inside the archive: text}} for the .py files of each release."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(directory), *RELEASES],
        check=True,
    )
    sources: dict[str, dict[str, str]] = {}
    for archive in directory.iterdir():
        package = re.split(r"-\d", archive.name, maxsplit=1)[0].lower()
        files: dict[str, str] = {}
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zipped:
                for name in zipped.namelist():
                    if name.endswith(".py"):
                        files[name] = zipped.read(name).decode("utf-8")
        else:
            with tarfile.open(archive) as tarred:
                for member in tarred.getmembers():
                    if member.name.endswith(".py") and member.isfile():
                        extracted = tarred.extractfile(member)
                        assert extracted is not None
                        # Paths relative to the package root: drop the sdist's top folder.
                        files[member.name.split("/", 1)[1]] = extracted.read().decode("utf-8")
        sources[package] = files
    return sources


def module_file(files: dict[str, str], module: str) -> tuple[str, ast.Module]:
    """(the package its relative imports start from, its parsed source)."""
    path = module.replace(".", "/")
    if f"{path}/__init__.py" in files:
        return module, ast.parse(files[f"{path}/__init__.py"])
    return module.rpartition(".")[0], ast.parse(files[f"{path}.py"])


def dunder_all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            try:
                return list(ast.literal_eval(node.value))
            except ValueError:
                return []
    return []


def definitions(tree: ast.Module) -> dict[str, ast.AST]:
    return {n.name: n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}


def builds_batchnorm(node: ast.AST) -> bool:
    """Whether code (not comments or docstrings) names a BatchNorm class or timm's 'batchnorm' layer names."""
    for child in ast.walk(node):
        text = None
        if isinstance(child, ast.Name):
            text = child.id
        elif isinstance(child, ast.Attribute):
            text = child.attr
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and len(child.value) < 40:
            text = child.value
        if text and BATCHNORM.search(text):
            return True
    return False


def exported_by(files: dict[str, str], package: str, name: str, defining: str) -> bool:
    """Whether `package` re-exports `name` from `defining`: a star import honouring __all__, or a named import."""
    base, package_tree = module_file(files, package)
    _, defining_tree = module_file(files, defining)
    relative = defining.removeprefix(base + ".")
    for node in ast.walk(package_tree):
        if not isinstance(node, ast.ImportFrom) or node.level < 1 or node.module is None:
            continue
        names = [alias.name for alias in node.names]
        if node.module == relative:
            if names == ["*"]:
                exported = dunder_all(defining_tree)
                if name in exported or (not exported and not name.startswith("_")):
                    return True
            elif name in names:
                return True
        elif names == ["*"] and f"{base}.{node.module}" != package:
            # A chain of star imports (torchvision.models -> .mobilenet -> .mobilenetv2), whose middle
            # module's __all__ is computed: follow it.
            middle = f"{base}.{node.module}"
            middle_all = dunder_all(module_file(files, middle)[1])
            if (not middle_all or name in middle_all) and exported_by(files, middle, name, defining):
                return True
    return False


def init_parameters(cls: ast.ClassDef) -> tuple[list[str], dict[str, str]]:
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    arguments = init.args
    names = [a.arg for a in arguments.args[1:]]
    defaults = dict(zip([a.arg for a in arguments.args][-len(arguments.defaults):], map(ast.unparse, arguments.defaults))) if arguments.defaults else {}
    names += [a.arg for a in arguments.kwonlyargs]
    return names, defaults


def norm_default_in_body(cls: ast.ClassDef) -> str | None:
    """The value of `norm_layer = ...` inside `if norm_layer is None:` in __init__."""
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    for node in ast.walk(init):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "norm_layer is None":
            for statement in node.body:
                if isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]) == "norm_layer":
                    return ast.unparse(statement.value)
    return None


def expected_default(model: ModelClass) -> str:
    keywords = "".join(f", {key}={value}" for key, value in model.default_kwargs)
    text = f"partial(nn.{model.default_norm}{keywords})" if keywords else f"nn.{model.default_norm}"
    return ast.unparse(ast.parse(text, mode="eval"))  # 1e-3 and 0.001 alike


def check_exports(files: dict[str, str], model: ModelClass, defining: str) -> None:
    name = model.name.split(".")[0]
    for module in model.modules:
        if module != defining and not exported_by(files, module, name, defining):
            fail(f"{module}.{model.name}: {module} does not export it from {defining}")


def check_torchvision(files: dict[str, str]) -> None:
    for model in TORCHVISION_CLASSES:
        defining = next(m for m in model.modules if m not in TORCHVISION_PACKAGES)
        _, tree = module_file(files, defining)
        cls = definitions(tree).get(model.name)
        if not isinstance(cls, ast.ClassDef):
            fail(f"{defining}.{model.name}: no such class")
            continue
        check_exports(files, model, defining)
        parameters, defaults = init_parameters(cls)
        if model.support == NORM_LAYER_WORKS:
            if "norm_layer" not in parameters or parameters.index("norm_layer") != model.norm_index:
                fail(f"{model.name}: norm_layer is not parameter {model.norm_index} of {parameters}")
            elif defaults.get("norm_layer") != "None":
                fail(f"{model.name}: norm_layer defaults to {defaults.get('norm_layer')}, not None")
            found = norm_default_in_body(cls)
            if found != expected_default(model):
                fail(f"{model.name}: the default norm layer is {found}, the table says {expected_default(model)}")
        else:
            if "norm_layer" in parameters:
                fail(f"{model.name}: takes norm_layer, but the table says BatchNorm is hard-wired")
            if not builds_batchnorm(tree):
                fail(f"{model.name}: its module builds no BatchNorm")
        print(f"ok  {defining}.{model.name} ({model.support})")
    listed = {m.name for m in TORCHVISION_CLASSES}
    for path, text in files.items():
        if not path.startswith("torchvision/models/") or "/detection/" in path or "/quantization/" in path:
            continue
        tree = ast.parse(text)
        if not builds_batchnorm(tree):
            continue
        for name in dunder_all(tree):
            if isinstance(definitions(tree).get(name), ast.ClassDef) and name not in listed:
                # Weights enums and output tuples are not models.
                if name.endswith(("_Weights", "Outputs")):
                    continue
                reason = TORCHVISION_LEFT_OUT.get(name)
                if reason is None:
                    fail(f"{path}: {name} builds BatchNorm? not in the table and no reason to leave it out")
                else:
                    print(f"--  {name}: left out, {reason}")
    for qualified, (keyword, index, default) in BATCHNORM_SWITCHES.items():
        module, _, name = qualified.rpartition(".")
        _, tree = module_file(files, module)
        function = definitions(tree).get(name)
        if not isinstance(function, ast.FunctionDef):
            fail(f"{qualified}: no such function")
            continue
        parameters = [a.arg for a in function.args.args]
        default_text = ast.unparse(function.args.defaults[-1]) if function.args.defaults else None
        if parameters.index(keyword) != index or default_text != repr(default):
            fail(f"{qualified}: {keyword} is not parameter {index} defaulting to {default}")
        else:
            print(f"ok  {qualified}({keyword}=True) builds BatchNorm2d")


def check_timm(files: dict[str, str]) -> None:
    listed = {(m.modules[-1], m.name) for m in TIMM_CLASSES}
    for model in TIMM_CLASSES:
        defining = model.modules[-1]
        _, tree = module_file(files, defining)
        if not isinstance(definitions(tree).get(model.name), ast.ClassDef):
            fail(f"{defining}.{model.name}: no such class")
            continue
        if model.name not in dunder_all(tree):
            fail(f"{defining}.{model.name}: not in its module's __all__")
        check_exports(files, model, defining)
        if not builds_batchnorm(tree):
            fail(f"{defining}: builds no BatchNorm")
        print(f"ok  {defining}.{model.name}")
    for path, text in sorted(files.items()):
        if not re.fullmatch(r"timm/models/[a-z0-9_]+\.py", path) or path.startswith("timm/models/_"):
            continue
        tree = ast.parse(text)
        if not builds_batchnorm(tree):
            continue
        module = path[:-3].replace("/", ".")
        for name in dunder_all(tree):
            if isinstance(definitions(tree).get(name), ast.ClassDef) and (module, name) not in listed:
                reason = TIMM_LEFT_OUT.get(name)
                if reason is None:
                    fail(f"{module}.{name}: builds BatchNorm? not in the table and no reason to leave it out")
                else:
                    print(f"--  {module}.{name}: left out, {reason}")


def check_library(files: dict[str, str], entries: tuple[ModelClass, ...]) -> None:
    for model in entries:
        defining = model.modules[-1]
        _, tree = module_file(files, defining)
        head, _, method = model.name.partition(".")
        found = definitions(tree).get(head)
        if found is None:
            fail(f"{defining}.{head}: not defined there")
            continue
        if method and not any(isinstance(n, ast.FunctionDef) and n.name == method for n in ast.walk(found)):
            fail(f"{defining}.{model.name}: no such method")
        check_exports(files, model, defining)
        # pretrainedmodels' torchvision_models wrap torchvision's builders: the BatchNorm is theirs.
        delegates = defining.endswith("torchvision_models") and not re.search(r"alexnet|squeezenet|vgg\d+$", head)
        # pretrainedmodels' resnext builds its layers in resnext_features/<name>_features.py.
        features = f"{defining}_features.{head}_features"
        if not delegates and f"{features.replace('.', '/')}.py" in files:
            tree = module_file(files, features)[1]
        if model.support != RUNTIME_ONLY or not (builds_batchnorm(tree) or delegates):
            fail(f"{defining}.{model.name}: builds no BatchNorm")
        print(f"ok  {defining}.{model.name}")


def check_blocks(sources: dict[str, dict[str, str]]) -> None:
    """Entries marked `block` are silent as values because a model class hands them its norm_layer: each takes
    norm_layer, and another definition of its module calls a `block` parameter passing norm_layer or **kwargs."""
    for model in (*TORCHVISION_CLASSES, *TIMM_CLASSES):
        if not model.block:
            continue
        defining = model.modules[-1]
        _, tree = module_file(sources[defining.split(".")[0]], defining)
        cls = definitions(tree).get(model.name)
        if not isinstance(cls, ast.ClassDef) or "norm_layer" not in init_parameters(cls)[0]:
            fail(f"{defining}.{model.name}: marked a block, but takes no norm_layer")
            continue
        callers = [
            node.name
            for node in tree.body
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node is not cls and _hands_norm_layer(node)
        ]
        if not callers or model.name in callers:
            fail(f"{defining}.{model.name}: marked a block, but no model of its module hands a block its norm_layer")
        else:
            print(f"ok  {defining}.{model.name}: a block, given its norm_layer by {', '.join(callers)}")


def _hands_norm_layer(definition: ast.AST) -> bool:
    for node in ast.walk(definition):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and "block" in node.func.id:
            values = [*node.args, *(k.value for k in node.keywords)]
            if any(isinstance(v, ast.Name) and v.id == "norm_layer" for v in values):
                return True
            if any(k.arg is None for k in node.keywords):
                return True
    return False


def build_torchvision_classes() -> None:
    """Construct each NORM_LAYER_WORKS torchvision class with and without the codemod's norm_layer."""
    import functools
    import importlib

    import torch
    from torchvision.models import efficientnet, mobilenetv3, regnet

    arguments = {
        "ResNet": lambda m: ((m.BasicBlock, [1, 1, 1, 1]), {}),
        "BasicBlock": lambda m: ((8, 8), {}),
        "Bottleneck": lambda m: ((32, 8), {}),
        "MobileNetV2": lambda m: ((), {}),
        "MobileNetV3": lambda m: (mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small"), {}),
        "RegNet": lambda m: ((regnet.BlockParams.from_init_params(depth=4, w_0=24, w_a=24.48, w_m=2.54, group_width=8),), {}),
        "EfficientNet": lambda m: (efficientnet._efficientnet_conf("efficientnet_b0", width_mult=1.0, depth_mult=1.0)[0:1] + (0.2,), {}),
        "MaxVit": lambda m: ((), dict(input_size=(64, 64), stem_channels=8, partition_size=2, block_channels=[8, 16], block_layers=[1, 1], head_dim=4, stochastic_depth_prob=0.0)),
        "S3D": lambda m: ((), {}),
    }

    def norms(model):
        return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._NormBase)]

    for model in TORCHVISION_CLASSES:
        if model.support != NORM_LAYER_WORKS:
            continue
        module = importlib.import_module(next(m for m in model.modules if m not in TORCHVISION_PACKAGES))
        cls = getattr(module, model.name)
        args, kwargs = arguments[model.name](module)
        norm_class = getattr(torch.nn, model.default_norm)
        keywords = {key: float(value) for key, value in model.default_kwargs}
        default = cls(*args, **kwargs)
        patched = cls(*args, **kwargs, norm_layer=functools.partial(norm_class, **keywords, track_running_stats=False))
        before = [m for m in norms(default) if m.track_running_stats]
        after = [m for m in norms(patched) if m.track_running_stats]
        same = [(m.eps, m.momentum) for m in norms(default)] == [(m.eps, m.momentum) for m in norms(patched)]
        if not before or after or not same:
            fail(f"built {model.name}: {len(before)} tracking before, {len(after)} after, eps/momentum kept: {same}")
        else:
            print(f"ok  built {model.name}: {len(before)} tracking norm layers before, 0 after, eps/momentum kept")


def check_library_norm_classes(files: dict[str, str]) -> None:
    """torch_geometric's norm layers: the flag's position and default, and the exports."""
    for norm in LIBRARY_NORM_CLASSES:
        defining = norm.modules[-1]
        _, tree = module_file(files, defining)
        cls = definitions(tree).get(norm.name)
        if not isinstance(cls, ast.ClassDef):
            fail(f"{defining}.{norm.name}: no such class")
            continue
        check_exports(files, ModelClass(norm.name, norm.modules, RUNTIME_ONLY), defining)
        parameters, defaults = init_parameters(cls)
        position = parameters.index("track_running_stats") if "track_running_stats" in parameters else None
        if position != norm.positional_index or defaults.get("track_running_stats") != str(norm.tracks_by_default):
            fail(f"{norm.name}: track_running_stats at {position}, default {defaults.get('track_running_stats')}")
        else:
            print(f"ok  {defining}.{norm.name}: track_running_stats at {position}, default {norm.tracks_by_default}")
        check_needs_tracking(norm, cls, parameters)


def check_needs_tracking(norm, cls: ast.ClassDef, parameters: list[str]) -> None:
    """Every parameter that __init__ refuses without track_running_stats (an `if` naming both that raises)
    is in the entry's needs_tracking, at its position, and nothing else is."""
    init = next(node for node in cls.body if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    refused = set()
    for node in ast.walk(init):
        if isinstance(node, ast.If) and any(isinstance(n, ast.Raise) for n in ast.walk(ast.Module(node.body, []))):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            if "track_running_stats" in names:
                refused |= {name for name in names if name in parameters and name != "track_running_stats"}
    expected = {(name, parameters.index(name)) for name in refused}
    if expected != set(norm.needs_tracking):
        fail(f"{norm.name}: refuses {sorted(expected)} without running stats, the table says {list(norm.needs_tracking)}")
    elif expected:
        print(f"ok  {norm.name}: needs track_running_stats=True for {sorted(expected)}")


def main() -> int:
    if "--build" in sys.argv:
        build_torchvision_classes()
    with tempfile.TemporaryDirectory() as directory:
        sources = download(Path(directory))
    check_torchvision(sources["torchvision"])
    check_timm(sources["timm"])
    check_library(sources["pretrainedmodels"], PRETRAINEDMODELS_FACTORIES + PRETRAINEDMODELS_CLASSES)
    check_library(sources["efficientnet_pytorch"], EFFICIENTNET_PYTORCH_CLASSES)
    check_library_norm_classes(sources["torch_geometric"])
    check_blocks(sources)
    print(f"\n{len(failures)} disagreement(s)" if failures else "\nthe table agrees with every source")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

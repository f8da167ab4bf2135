"""The torchvision builder table, checked for consistency and against torchvision 0.28.0's own source.

Never imports torchvision: the 0.28.0 wheel is fetched once with `pip download` into pytest's cache dir and
its .py files are read with zipfile + ast, following where a caller's `norm_layer=` keyword goes. What shows
only at construction time (how many BatchNorms track, ssdlite's failing forward, vgg's batch_norm=False) is
checked by scripts/verify_torchvision.py, run by hand where torchvision is installed. If torchvision happens to
be importable here, signatures are also checked live.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bn_codemod.torchvision_builders import (
    BUILDER_SETS_IT,
    BUILDERS,
    CONSTRUCTION_FAILS,
    HARD_WIRED,
    NO_BATCHNORM,
    NORM_LAYER_WORKS,
    RUNTIME_ONLY,
    SILENTLY_IGNORED,
    Builder,
)

TORCHVISION_VERSION = "0.28.0"
REASONS = {HARD_WIRED, SILENTLY_IGNORED, BUILDER_SETS_IT, CONSTRUCTION_FAILS}
BATCHNORM_CLASSES = ("BatchNorm2d", "BatchNorm3d")
# A hard-wired BatchNorm in source; FrozenBatchNorm2d (no in-place updates) does not count.
BATCHNORM_IN_SOURCE = re.compile(r"(?<![A-Za-z_])BatchNorm[123]d")
# NO_BATCHNORM builders whose code does hold a BatchNorm, switched off by an argument the builder passes
# (vgg: batch_norm=False; raft_small: context_encoder_norm_layer=None). scripts/verify_torchvision.py builds them.
BATCHNORM_SWITCHED_OFF = {"vgg11", "vgg13", "vgg16", "vgg19", "raft_small"}


def entry_id(builder: Builder) -> str:
    return f"{builder.modules[-1].removeprefix('torchvision.models.')}.{builder.name}"


# --- internal consistency -----------------------------------------------------------------------


def test_every_norm_layer_entry_names_a_batchnorm_and_literal_kwargs() -> None:
    for builder in BUILDERS:
        if builder.support == NORM_LAYER_WORKS:
            assert builder.default_norm in BATCHNORM_CLASSES, builder
            assert not builder.reason, builder
        else:
            assert builder.default_norm == "" and builder.default_kwargs == (), builder
        for key, value in builder.default_kwargs:
            assert key.isidentifier(), builder
            assert isinstance(ast.literal_eval(value), (int, float)), builder


def test_every_runtime_entry_has_a_known_reason() -> None:
    for builder in BUILDERS:
        assert builder.support in (NORM_LAYER_WORKS, RUNTIME_ONLY, NO_BATCHNORM), builder
        if builder.support == RUNTIME_ONLY:
            assert builder.reason in REASONS, builder
        else:
            assert builder.reason == "", builder


def test_no_builder_is_listed_twice_in_one_module() -> None:
    pairs = [(module, builder.name) for builder in BUILDERS for module in builder.modules]
    assert len(pairs) == len(set(pairs))
    assert all(len(set(builder.modules)) == len(builder.modules) for builder in BUILDERS)
    # get_model("name") registry names: quantization builders register as "quantized_<name>".
    registry_names = [("quantized_" if b.quantization else "") + b.name for b in BUILDERS]
    assert len(registry_names) == len(set(registry_names))


def test_every_module_is_under_torchvision_models() -> None:
    for builder in BUILDERS:
        assert builder.modules, builder
        for module in builder.modules:
            assert module == "torchvision.models" or module.startswith("torchvision.models."), builder
        assert builder.quantization == builder.modules[0].startswith("torchvision.models.quantization"), builder


# --- torchvision 0.28.0's source ----------------------------------------------------------------


@dataclass
class Trace:
    """Where a caller's `norm_layer=` keyword goes when passed to a builder."""

    accepts: bool = False  # it reaches a norm_layer parameter (or a kwargs.pop("norm_layer", ...))
    default: ast.expr | None = None  # the norm layer used when it is absent
    builder_sets_it: bool = False  # forwarded next to an explicit norm_layer=: TypeError, multiple values
    rejected: bool = False  # forwarded to a constructor taking neither norm_layer nor **kwargs: TypeError
    modules: set[str] = field(default_factory=set)  # modules whose code the keyword passes through


class TorchvisionSource:
    """torchvision/models/**.py from a wheel, parsed; names resolved the way Python's imports would."""

    def __init__(self, wheel: Path) -> None:
        self.trees: dict[str, ast.Module] = {}
        self.text: dict[str, str] = {}
        self.packages: set[str] = set()
        with zipfile.ZipFile(wheel) as archive:
            for path in archive.namelist():
                if path.startswith("torchvision/models/") and path.endswith(".py"):
                    module = path[: -len(".py")].replace("/", ".")
                    if module.endswith(".__init__"):
                        module = module[: -len(".__init__")]
                        self.packages.add(module)
                    self.text[module] = archive.read(path).decode("utf-8")
                    self.trees[module] = ast.parse(self.text[module])

    def public_modules(self) -> list[str]:
        return [m for m in self.trees if not any(part.startswith("_") for part in m.split("."))]

    def absolute(self, module: str, node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        base = module if module in self.packages else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        return f"{base}.{node.module}" if node.module else base

    def exports(self, module: str) -> set[str]:
        """Names a star import takes from a module: its __all__, or (for a package) what it star-imports."""
        tree = self.trees[module]
        for node in reversed(tree.body):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                return self.evaluate_all(module, node.value)
        names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                names |= self.exports(self.absolute(module, node))
        return {name for name in names if not name.startswith("_")}

    def evaluate_all(self, module: str, value: ast.expr) -> set[str]:
        if isinstance(value, (ast.List, ast.Tuple)):
            return {ast.literal_eval(element) for element in value.elts}
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return self.evaluate_all(module, value.left) | self.evaluate_all(module, value.right)
        if isinstance(value, ast.Name):  # `from .mobilenetv2 import __all__ as mv2_all`
            for node in self.trees[module].body:
                if isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        if alias.name == "__all__" and alias.asname == value.id:
                            return self.exports(self.absolute(module, node))
        raise AssertionError(f"cannot evaluate __all__ in {module}: {ast.dump(value)}")

    def lookup(self, module: str, name: str):
        """("def", module, node) for a class or function, ("module", name) for a module, or None."""
        for node in reversed(self.trees[module].body):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                return ("def", module, node)
            if isinstance(node, ast.ImportFrom):
                source = self.absolute(module, node)
                for alias in node.names:
                    if alias.name == "*" and source in self.trees and name in self.exports(source):
                        return self.lookup(source, name)
                    if (alias.asname or alias.name) == name:
                        if f"{source}.{alias.name}" in self.trees:
                            return ("module", f"{source}.{alias.name}")
                        return self.lookup(source, alias.name) if source in self.trees else None
        return None

    def resolve(self, module: str, expression: ast.expr):
        if isinstance(expression, ast.Name):
            return self.lookup(module, expression.id)
        if isinstance(expression, ast.Attribute):
            base = self.resolve(module, expression.value)
            if base and base[0] == "module":
                return self.lookup(base[1], expression.attr)
        return None

    def defining_module(self, builder: Builder) -> str:
        defining = [m for m in builder.modules if self.top_level_function(m, builder.name) is not None]
        assert len(defining) == 1, f"{builder.name} is defined in {defining} of {builder.modules}"
        return defining[0]

    def top_level_function(self, module: str, name: str) -> ast.FunctionDef | None:
        if module not in self.trees:
            return None
        matches = [n for n in self.trees[module].body if isinstance(n, ast.FunctionDef) and n.name == name]
        return matches[-1] if matches else None

    def exporters(self, defining: str, name: str) -> set[str]:
        """Every public module from which `name` imports as the function defined in `defining`."""
        found = set()
        for module in self.public_modules():
            if name in self.exports(module):
                target = self.lookup(module, name)
                if target and target[0] == "def" and target[1] == defining:
                    found.add(module)
        return found

    def registered_builders(self) -> set[tuple[str, str]]:
        """(module, name) of every function decorated with torchvision's @register_model."""
        found = set()
        for module, tree in self.trees.items():
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    for decorator in node.decorator_list:
                        target = decorator.func if isinstance(decorator, ast.Call) else decorator
                        if isinstance(target, ast.Name) and target.id == "register_model":
                            found.add((module, node.name))
        return found

    # --- following the norm_layer keyword ---

    def trace_builder(self, module: str, name: str) -> Trace:
        trace = Trace()
        function = self.top_level_function(module, name)
        assert function is not None
        self.trace_function(module, function, None, trace)
        return trace

    def trace_function(self, module: str, function: ast.FunctionDef, owner, trace: Trace) -> None:
        """Follow `norm_layer` through a function that received it (named or inside **kwargs)."""
        trace.modules.add(module)
        parameters = {a.arg: a for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs}
        if "norm_layer" in parameters:
            trace.accepts = True
            trace.default = self.norm_default(function)
            return
        if function.args.kwarg is None:
            trace.rejected = True
            return
        kwargs = function.args.kwarg.arg
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            if self.pops_norm_layer(call, kwargs):
                trace.accepts = True
                trace.default = call.args[1] if len(call.args) > 1 else None
                return
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            if not any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwargs for k in call.keywords):
                continue
            if any(k.arg == "norm_layer" for k in call.keywords):
                trace.builder_sets_it = True
                continue
            target = self.callee(module, call.func, owner)
            if target is None:
                continue
            _, target_module, node = target
            if isinstance(node, ast.ClassDef):
                self.trace_class(target_module, node, trace)
            else:
                self.trace_function(target_module, node, None, trace)

    def trace_class(self, module: str, cls: ast.ClassDef, trace: Trace) -> None:
        trace.modules.add(module)
        init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is not None:
            self.trace_function(module, init, (module, cls), trace)
            return
        base = self.resolve(module, cls.bases[0]) if cls.bases else None
        if base and base[0] == "def" and isinstance(base[2], ast.ClassDef):
            self.trace_class(base[1], base[2], trace)

    def callee(self, module: str, func: ast.expr, owner):
        """The class or function a call reaches; `super().__init__` is the owner's first base class."""
        is_super_init = (
            isinstance(func, ast.Attribute)
            and func.attr == "__init__"
            and isinstance(func.value, ast.Call)
            and getattr(func.value.func, "id", None) == "super"
        )
        if is_super_init:
            if owner is None or not owner[1].bases:
                return None
            return self.resolve(owner[0], owner[1].bases[0])
        target = self.resolve(module, func)
        return target if target and target[0] == "def" else None

    @staticmethod
    def pops_norm_layer(call: ast.Call, kwargs: str) -> bool:
        func = call.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "pop"
            and isinstance(func.value, ast.Name)
            and func.value.id == kwargs
            and bool(call.args)
            and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == "norm_layer"
        )

    @staticmethod
    def norm_default(function: ast.FunctionDef) -> ast.expr | None:
        """`if norm_layer is None: norm_layer = X` in the body, else the parameter's own default."""
        for node in ast.walk(function):
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Compare)
                and getattr(node.test.left, "id", None) == "norm_layer"
                and isinstance(node.test.ops[0], ast.Is)
                and getattr(node.test.comparators[0], "value", "") is None
            ):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and getattr(statement.targets[0], "id", None) == "norm_layer":
                        return statement.value
        arguments = function.args
        positional = arguments.posonlyargs + arguments.args
        with_defaults = positional[len(positional) - len(arguments.defaults) :]
        defaults = {a.arg: d for a, d in zip(with_defaults, arguments.defaults)}
        defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
        return defaults.get("norm_layer")


def norm_spec(expression: ast.expr | None) -> tuple[str, dict[str, object]]:
    """(class name, keywords): `partial(nn.BatchNorm2d, eps=1e-3)` -> ("BatchNorm2d", {"eps": 1e-3})."""
    assert expression is not None, "no default norm layer found"
    if isinstance(expression, ast.Call) and getattr(expression.func, "id", None) == "partial":
        name, _ = norm_spec(expression.args[0])
        return name, {k.arg: ast.literal_eval(k.value) for k in expression.keywords}
    if isinstance(expression, ast.Attribute):
        return expression.attr, {}
    if isinstance(expression, ast.Name):
        return expression.id, {}
    raise AssertionError(f"unexpected norm layer expression: {ast.unparse(expression)}")


@pytest.fixture(scope="session")
def torchvision_source(request: pytest.FixtureRequest) -> TorchvisionSource:
    directory = Path(request.config.cache.mkdir(f"torchvision-{TORCHVISION_VERSION}-wheel"))
    wheels = sorted(directory.glob(f"torchvision-{TORCHVISION_VERSION}-*.whl"))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet"]
        command += [f"torchvision=={TORCHVISION_VERSION}", "-d", str(directory)]
        subprocess.run(command, check=True, timeout=600)
        wheels = sorted(directory.glob(f"torchvision-{TORCHVISION_VERSION}-*.whl"))
    assert wheels, f"pip download left no torchvision {TORCHVISION_VERSION} wheel in {directory}"
    source = TorchvisionSource(wheels[0])
    assert f"__version__ = '{TORCHVISION_VERSION}" in zipfile.ZipFile(wheels[0]).read("torchvision/version.py").decode()
    return source


def test_the_table_covers_every_registered_builder(torchvision_source: TorchvisionSource) -> None:
    listed = {(torchvision_source.defining_module(b), b.name) for b in BUILDERS}
    assert listed == torchvision_source.registered_builders()


@pytest.mark.parametrize("builder", BUILDERS, ids=entry_id)
def test_builder_is_exported_exactly_where_listed(torchvision_source: TorchvisionSource, builder: Builder) -> None:
    defining = torchvision_source.defining_module(builder)
    assert torchvision_source.exporters(defining, builder.name) == set(builder.modules)
    function = torchvision_source.top_level_function(defining, builder.name)
    quantize = "quantize" in {a.arg for a in function.args.kwonlyargs}
    assert quantize == builder.quantization


@pytest.mark.parametrize("builder", BUILDERS, ids=entry_id)
def test_support_matches_where_norm_layer_goes(torchvision_source: TorchvisionSource, builder: Builder) -> None:
    trace = torchvision_source.trace_builder(torchvision_source.defining_module(builder), builder.name)
    batchnorm_in_code = any(BATCHNORM_IN_SOURCE.search(torchvision_source.text[m]) for m in trace.modules)
    if builder.support == NORM_LAYER_WORKS:
        assert trace.accepts and not trace.builder_sets_it and not trace.rejected, trace
        restated = {key: ast.literal_eval(value) for key, value in builder.default_kwargs}
        assert norm_spec(trace.default) == (builder.default_norm, restated)
    elif builder.reason == BUILDER_SETS_IT:
        assert trace.builder_sets_it, trace
    elif builder.reason == HARD_WIRED:
        assert trace.rejected and not trace.accepts and batchnorm_in_code, trace
    elif builder.reason == SILENTLY_IGNORED:
        assert not (trace.accepts or trace.rejected or trace.builder_sets_it) and batchnorm_in_code, trace
    elif builder.reason == CONSTRUCTION_FAILS:
        # Accepted with a BatchNorm default; the failure shows only when built (scripts/verify_torchvision.py).
        assert trace.accepts and norm_spec(trace.default)[0] in BATCHNORM_CLASSES, trace
    else:
        assert builder.support == NO_BATCHNORM
        if trace.accepts:  # the norm slot is a LayerNorm
            assert norm_spec(trace.default)[0] not in BATCHNORM_CLASSES, trace
        else:
            assert not batchnorm_in_code or builder.name in BATCHNORM_SWITCHED_OFF, trace


# --- live, only where torchvision is installed --------------------------------------------------


def test_live_signatures() -> None:
    pytest.importorskip("torchvision")
    for builder in BUILDERS:
        functions = [getattr(importlib.import_module(module), builder.name) for module in builder.modules]
        assert all(f is functions[0] for f in functions), builder
        parameters = inspect.signature(functions[0]).parameters
        assert "weights" in parameters, builder
        assert ("quantize" in parameters) == builder.quantization, builder
        takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        assert takes_kwargs or "norm_layer" in parameters, builder

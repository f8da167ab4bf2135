"""What torchvision's own source says about every registered model builder, read from its wheel.

Never imports torchvision: the wheel's torchvision/models/**.py are read with zipfile + ast, and a
caller's `norm_layer=` keyword is followed through the builder into the classes it constructs. The
result is small (a JSON of facts per builder) and committed as tests/data/torchvision-0.28.0.json, so
tests/test_torchvision_table.py checks bn-codemod's table against it without the network.

    python scripts/torchvision_source.py            # download the wheel, write the JSON
    python scripts/torchvision_source.py --check    # download the wheel, exit 1 if the JSON differs
    python scripts/torchvision_source.py --wheel PATH [--check]   # use a wheel already on disk

The download asks pip for one fixed wheel (CPython 3.11, manylinux_2_28 x86_64; every platform's wheel
holds the same pure-Python models/) and checks it against the sha256 recorded in the JSON.
What shows only when a model is built is checked by scripts/verify_torchvision.py.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

TORCHVISION_VERSION = "0.28.0"
WHEEL_NAME = f"torchvision-{TORCHVISION_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
FACTS = Path(__file__).resolve().parents[1] / "tests" / "data" / f"torchvision-{TORCHVISION_VERSION}.json"
# A hard-wired BatchNorm in source; FrozenBatchNorm2d (no in-place updates) does not count.
BATCHNORM_IN_SOURCE = re.compile(r"(?<![A-Za-z_])BatchNorm[123]d")


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


def signature(function: ast.FunctionDef) -> list[str]:
    """Parameter names as written: `*`, `*args` and `**kwargs` marked as in a def."""
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args]
    if arguments.vararg:
        names.append(f"*{arguments.vararg.arg}")
    elif arguments.kwonlyargs:
        names.append("*")
    names += [a.arg for a in arguments.kwonlyargs]
    if arguments.kwarg:
        names.append(f"**{arguments.kwarg.arg}")
    return names


def builder_facts(source: TorchvisionSource, module: str, name: str) -> dict:
    function = source.top_level_function(module, name)
    trace = source.trace_builder(module, name)
    default = None
    if trace.accepts:
        norm_class, keywords = norm_spec(trace.default)
        default = {"class": norm_class, "keywords": keywords}
    return {
        "exported_from": sorted(source.exporters(module, name)),
        "parameters": signature(function),
        "norm_layer": {
            "accepted": trace.accepts,
            "default": default,
            "builder_sets_it": trace.builder_sets_it,
            "rejected": trace.rejected,
        },
        "batchnorm_in_code": any(BATCHNORM_IN_SOURCE.search(source.text[m]) for m in sorted(trace.modules)),
    }


def extract(wheel: Path) -> dict:
    """The facts of every @register_model builder in the wheel, keyed by `defining.module:name`."""
    source = TorchvisionSource(wheel)
    version = zipfile.ZipFile(wheel).read("torchvision/version.py").decode()
    assert f"__version__ = '{TORCHVISION_VERSION}" in version, f"{wheel.name} is not torchvision {TORCHVISION_VERSION}"
    return {
        "torchvision": TORCHVISION_VERSION,
        "wheel": wheel.name,
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "builders": {
            f"{module}:{name}": builder_facts(source, module, name)
            for module, name in sorted(source.registered_builders())
        },
    }


def download_wheel(directory: Path) -> Path:
    """The one wheel the facts come from, from the package index (pip's own configuration applies)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet"]
    command += ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"]
    command += ["--abi", "cp311", f"torchvision=={TORCHVISION_VERSION}", "-d", str(directory)]
    subprocess.run(command, check=True, timeout=600)
    wheel = directory / WHEEL_NAME
    assert wheel.exists(), f"pip download left no {WHEEL_NAME} in {directory}"
    return wheel


def render(facts: dict) -> str:
    """One line per builder, so a changed builder shows as one changed line in a diff."""
    lines = [f'  "{key}": {json.dumps(value)},' for key, value in facts.items() if key != "builders"]
    lines.append('  "builders": {')
    rows = [f"    {json.dumps(key)}: {json.dumps(value)}" for key, value in facts["builders"].items()]
    lines.append(",\n".join(rows))
    lines.append("  }")
    return "{\n" + "\n".join(lines) + "\n}\n"


def load_facts() -> dict:
    return json.loads(FACTS.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed JSON, write nothing")
    parser.add_argument("--wheel", type=Path, help=f"a {WHEEL_NAME} on disk instead of downloading it")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = options.wheel or download_wheel(Path(scratch))
        text = render(extract(wheel))
    if options.check:
        if FACTS.read_text(encoding="utf-8") != text:
            print(f"{FACTS.name} differs from what {wheel.name} says: run scripts/torchvision_source.py")
            return 1
        print(f"{FACTS.name} matches {wheel.name}")
        return 0
    FACTS.write_text(text, encoding="utf-8")
    print(f"wrote {FACTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

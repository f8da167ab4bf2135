"""Properties over generated code: any Python never crashes the analysis, and any valid BatchNorm call,
however it is imported and formatted, ends up with exactly one track_running_stats=False and nothing
else changed."""

from __future__ import annotations

import ast
import io
import tokenize

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bn_codemod.analysis import ParseError, analyze
from bn_codemod.safety import check_rewrite

# Deterministic: the same examples on every run and machine, so CI cannot flake.
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
# Makes the prefilter pass, so every generated module really goes through libcst and the visitor.
PARSE_FOR_REAL = "import torch  # Norm\n"
RULE_TOKENS = ("Norm", "norm", "functorch", "torchvision", "timm")


def cpython_rejects(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@PROPERTY_SETTINGS
@given(code=hypothesmith.from_grammar())
def test_arbitrary_python_never_crashes_and_is_left_alone(code):
    source = PARSE_FOR_REAL + code
    try:
        analysis = analyze(source)
    except ParseError:
        assert cpython_rejects(source), "libcst refused code that CPython accepts"
        return
    if not any(token in code for token in RULE_TOKENS):
        assert analysis.edits == []
        assert analysis.new_source == source
    elif analysis.changed:
        assert check_rewrite(source, analysis.new_source, analysis.edits) is None


# BatchNorm calls.
FULL_SIGNATURE = ("num_features", "eps", "momentum", "affine", "track_running_stats")
LAZY_SIGNATURE = FULL_SIGNATURE[1:]  # the Lazy classes infer num_features
CLASSES = {
    **{name: (FULL_SIGNATURE, True) for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")},
    **{name: (LAZY_SIGNATURE, True) for name in ("LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm3d")},
    # Does not track by default: generated only with the argument given.
    "InstanceNorm2d": (FULL_SIGNATURE, False),
}
VALUES = {
    "num_features": ("64", "channels", "2 * width", "(32)"),
    "eps": ("1e-5", "0.001", "eps"),
    "momentum": ("0.1", "None", "1 - decay"),
    "affine": ("True", "False"),
    "track_running_stats": ("True", "False"),
}
TRACKING = "track_running_stats"
# (import statement, expression naming the class) per import form.
IMPORT_FORMS = (
    ("import torch", "torch.nn.{cls}"),
    ("import torch.nn as nn", "nn.{cls}"),
    ("from torch import nn", "nn.{cls}"),
    ("import torch.nn as tnn", "tnn.{cls}"),
    ("from torch.nn import {cls}", "{cls}"),
    ("from torch.nn import {cls} as Norm", "Norm"),
    ("from torch.nn.modules import {cls}", "{cls}"),
    ("from torch.nn import *", "{cls}"),
    ("import torch.nn.modules as mods", "mods.{cls}"),
)


@st.composite
def batchnorm_modules(draw):
    """(source, class name, signature) for a module that builds one norm layer."""
    cls = draw(st.sampled_from(sorted(CLASSES)))
    signature, tracks_by_default = CLASSES[cls]
    slot = signature.index(TRACKING)

    positional_count = draw(st.integers(0, len(signature)))
    rest = list(signature[positional_count:])
    keywords = draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    if signature[0] == "num_features" and positional_count == 0 and "num_features" not in keywords:
        keywords.insert(draw(st.integers(0, len(keywords))), "num_features")
    tracking_given = positional_count > slot or TRACKING in keywords
    if not tracks_by_default and not tracking_given:
        keywords.append(TRACKING)
    arguments = [(None, draw(st.sampled_from(VALUES[name]))) for name in signature[:positional_count]]
    arguments += [(name, draw(st.sampled_from(VALUES[name]))) for name in keywords]

    import_statement, reference = draw(st.sampled_from(IMPORT_FORMS))
    call = _format_call(draw, reference.format(cls=cls), arguments)
    if draw(st.booleans()):
        body = f"layer = {call}\n"
    else:
        body = "class Net:\n    def __init__(self):\n" + _indent(f"self.norm = {call}\n", "        ")
    return f"{import_statement.format(cls=cls)}\n\n{body}", cls, signature


def _format_call(draw, callee: str, arguments: list[tuple[str | None, str]]) -> str:
    def spaces() -> str:
        return draw(st.sampled_from(("", " ", "  ")))

    rendered = []
    for keyword, value in arguments:
        equal = f"{spaces()}={spaces()}" if draw(st.booleans()) else "="
        rendered.append(value if keyword is None else f"{keyword}{equal}{value}")
    trailing_comma = bool(rendered) and draw(st.booleans())
    layout = draw(st.sampled_from(("one line", "one per line", "hanging")))
    if layout == "one line" or not rendered:
        separator = "," + draw(st.sampled_from((" ", "  ", "")))
        return f"{callee}({spaces()}{separator.join(rendered)}{',' if trailing_comma else ''}{spaces()})"
    lines = []
    for index, argument in enumerate(rendered):
        last = index == len(rendered) - 1
        comma = "," if not last or trailing_comma else ""
        comment = f"  # note {index}" if draw(st.booleans()) else ""
        lines.append(f"{argument}{comma}{spaces() if comment else ''}{comment}")
    # A comment on the last line pushes `)` to a line of its own.
    closing = "\n)" if "#" in lines[-1] or draw(st.booleans()) else ")"
    if layout == "one per line":
        return f"{callee}(\n" + "\n".join("    " + line for line in lines) + closing
    # Hanging: the first argument on the call's line, the others aligned under it.
    align = " " * (len(callee) + 1)
    return f"{callee}(" + f"\n{align}".join(lines) + closing


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))


def _the_call(tree: ast.AST) -> ast.Call:
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert len(calls) == 1, ast.dump(tree)
    return calls[0]


def _comments(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]


@PROPERTY_SETTINGS
@given(case=batchnorm_modules())
def test_any_batchnorm_call_gets_exactly_one_track_running_stats_false(case):
    source, cls, signature = case
    slot = signature.index(TRACKING)
    compile(source, "<generated>", "exec", dont_inherit=True)  # the generator makes valid code

    analysis = analyze(source)
    new_source = analysis.new_source

    compile(new_source, "<rewritten>", "exec", dont_inherit=True)
    old_call, new_call = _the_call(ast.parse(source)), _the_call(ast.parse(new_source))
    tracking_keywords = [k for k in new_call.keywords if k.arg == TRACKING]
    positional = len(new_call.args) > slot
    assert len(tracking_keywords) + positional == 1, new_source
    value = new_call.args[slot] if positional else tracking_keywords[0].value
    assert isinstance(value, ast.Constant) and value.value is False, new_source

    def others(call: ast.Call) -> tuple[list[str], list[str]]:
        args = [ast.dump(a) for i, a in enumerate(call.args) if i != slot]
        keywords = [ast.dump(k) for k in call.keywords if k.arg != TRACKING]
        return args, keywords

    assert others(new_call) == others(old_call)
    assert ast.dump(new_call.func) == ast.dump(old_call.func)
    assert _comments(new_source) == _comments(source)
    assert analyze(new_source).new_source == new_source, "running twice changes nothing"
    assert check_rewrite(source, new_source, analysis.edits) is None

    was_tracking = any(k.arg == TRACKING and k.value.value for k in old_call.keywords) or (
        len(old_call.args) > slot and old_call.args[slot].value
    )
    absent = not any(k.arg == TRACKING for k in old_call.keywords) and len(old_call.args) <= slot
    should_fix = bool(was_tracking) or (absent and CLASSES[cls][1])
    assert [(f.code, f.fixable) for f in analysis.findings] == ([("BN001", True)] if should_fix else [])
    assert analysis.changed is should_fix

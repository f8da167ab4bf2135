"""reduction.py blanks what cannot hold a finding before libcst parses a file. It must never change a
finding or a fix: checked on every fixture, on generated modules, and on the cases it must keep."""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bn_codemod.analysis as analysis_module
from bn_codemod.analysis import analyze, may_have_findings
from bn_codemod.config import Settings
from bn_codemod.reduction import blank_inert_bodies
from fixture_cases import FIXTURES, case_id, input_files


def reduce(source: str, extra_classes: tuple[str, ...] = ()) -> str:
    return blank_inert_bodies(source, ast.parse(source), extra_classes)


def without_reduction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_module, "blank_inert_bodies", lambda source, tree, extra_classes=(): source)


def findings_both_ways(source: str, settings_: Settings = analysis_module.DEFAULT_SETTINGS):
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_reduction(monkeypatch)
        whole = analyze(source, settings_, need_source=True)
    reduced_check = analyze(source, settings_, need_source=False)
    reduced_fix = analyze(source, settings_, need_source=True)
    return whole, reduced_check, reduced_fix


def assert_same_everywhere(source: str, settings_: Settings = analysis_module.DEFAULT_SETTINGS) -> None:
    whole, reduced_check, reduced_fix = findings_both_ways(source, settings_)
    assert reduced_check.findings == whole.findings
    assert reduced_fix.findings == whole.findings
    assert reduced_fix.new_source == whole.new_source
    assert reduced_fix.edits == whole.edits
    assert bool(reduced_check.edits) == bool(whole.edits)
    assert reduced_check.builds_norm_layers == reduced_fix.builds_norm_layers == whole.builds_norm_layers


@pytest.mark.parametrize(
    "path",
    [*input_files(), *sorted((FIXTURES / "models").glob("*.py"))],
    ids=lambda path: case_id(path) if path.name.endswith(".input.py") else f"models/{path.stem}",
)
def test_fixtures_have_the_same_findings_and_fixes(path):
    assert_same_everywhere(path.read_text(encoding="utf-8"))


# What is blanked, and what must stay.
def test_a_body_without_a_recognised_name_becomes_pass_and_keeps_its_lines():
    source = (
        "import torch.nn as nn\n"
        "\n"
        "def helper(x):\n"
        "    y = x + 1\n"
        "    return y\n"
        "\n"
        "def build():\n"
        "    return nn.BatchNorm2d(3)\n"
    )
    assert reduce(source) == (
        "import torch.nn as nn\n"
        "\n"
        "def helper(x):\n"
        "    pass\n"
        "\n"
        "\n"
        "def build():\n"
        "    return nn.BatchNorm2d(3)\n"
    )


def test_line_endings_are_kept_line_for_line():
    source = "import torch\r\ndef f():\r\n    a = 1\r\n    return a\r\nx = torch.nn.BatchNorm1d(2)\r\n"
    assert reduce(source) == "import torch\r\ndef f():\r\n    pass\r\n\r\nx = torch.nn.BatchNorm1d(2)\r\n"


def test_a_decorated_first_method_is_blanked_from_its_decorator():
    source = "import torch\nclass Op:\n    @staticmethod\n    def forward(x):\n        return x\nnorm = torch.nn.BatchNorm2d(1)\n"
    assert reduce(source) == "import torch\nclass Op:\n    pass\n\n\nnorm = torch.nn.BatchNorm2d(1)\n"


def test_a_subclass_of_a_norm_class_is_kept_whole():
    source = (
        "import torch.nn as nn\n"
        "class MyBN(nn.BatchNorm2d):\n"
        "    def __init__(self, c):\n"
        "        super().__init__(c, track_running_stats=False)\n"
    )
    assert reduce(source) == source


def test_aliases_and_subclasses_of_recognised_names_are_recognised_too():
    source = (
        "from torch.nn import BatchNorm2d as BN\n"
        "class Mine(BN):\n"
        "    pass\n"
        "class Deeper(Mine):\n"
        "    pass\n"
        "def uses_alias():\n"
        "    return BN(3)\n"
        "def uses_deeper():\n"
        "    return Deeper(3)\n"
        "def unrelated():\n"
        "    return 3\n"
    )
    reduced = reduce(source)
    assert "return BN(3)" in reduced and "return Deeper(3)" in reduced
    assert "return 3\n" not in reduced


def test_torchvision_builder_names_count_only_where_torchvision_is_named():
    body = "def make():\n    return resnet50()\n"
    assert "return resnet50()" not in reduce("import torch\n" + body)  # timm's own resnet50
    assert "return resnet50()" in reduce("import torch\nfrom torchvision.models import resnet50\n" + body)


def test_model_class_names_count_only_where_their_library_is_imported():
    body = "def make():\n    return ResNet(block, layers)\n"
    # timm's own files import timm.layers, never timm.models: their ResNet is their own.
    assert "return ResNet(" not in reduce("import torch\nfrom timm.layers import create_conv2d\n" + body)
    for imports in ("from timm.models.resnet import ResNet\n", "from timm import models\n", "import timm as t\n"):
        assert "return ResNet(" in reduce("import torch\n" + imports + body), imports
    assert "return ResNet(" in reduce("import torchvision.models\n" + body)


def test_library_norm_factory_names_count_only_where_their_library_is_named():
    body = "def make():\n    return build_norm_layer(dict(type='BN'), 4)\n"
    assert "return build_norm_layer(" not in reduce("import torch\n" + body)
    assert "return build_norm_layer(" in reduce("import torch\nfrom mmcv.cnn import build_norm_layer\n" + body)
    monai = "from monai.networks.layers import Norm as N\ndef make():\n    return N[N.BATCH, 2](4)\n"
    assert "return N[N.BATCH, 2](4)" in reduce(monai)
    assert_same_everywhere(monai)


@pytest.mark.parametrize(
    "imports, statement",
    [
        ("from functools import partial\nfrom torch_geometric.nn import MLP\n", "make = partial(MLP, [16, 32, 8])"),
        ("import functools\nfrom torch_geometric.nn import GENConv\n", "conv = functools.partial(GENConv, 16, 16)"),
        ("from torch_geometric.nn import MLP\n", "return MLP"),
        ("from torch_geometric.nn import GPSConv\n", "build(layer=GPSConv)"),
        ("from functools import partial\nfrom mmseg.models import ResNetV1c\n", "make = partial(ResNetV1c, depth=50)"),
        ("from mmseg.models import ResNetV1c\n", "model_cls = ResNetV1c"),
        ("from functools import partial\nfrom monai.networks.nets import UNet\n", "make = partial(UNet, 2, norm='batch')"),
        ("from monai.networks.nets import DenseNet121\n", "build(arch=DenseNet121)"),
    ],
)
def test_a_partial_or_a_value_of_a_norm_spec_class_is_kept(imports, statement):
    """norm_specs.py reads `partial(X, ...)` and X as a value in a function that names nothing else: the prefilter
    and the reduction keep those lines."""
    source = f"import torch\n{imports}\n\ndef make_model(build):\n    {statement}\n"
    assert may_have_findings(source.encode())
    assert statement in reduce(source)
    whole, reduced_check, _ = findings_both_ways(source)
    assert whole.findings and reduced_check.findings == whole.findings


def test_every_mention_of_a_dict_unpacked_into_a_norm_layer_is_kept():
    """visible_dicts.py reads the dict's binding and every other mention: none may be blanked."""
    source = (
        "import torch.nn as nn\n"
        "def build(c, device=None):\n"
        "    dd = {\n"
        "        'device': device,\n"
        "    }\n"
        "    dd['track_running_stats'] = True\n"
        "    return nn.BatchNorm2d(c, **dd)\n"
        "def unrelated(dd):\n"
        "    dd['x'] = 1\n"
    )
    reduced = reduce(source)
    assert "        'device': device,\n" in reduced and "    dd['track_running_stats'] = True\n" in reduced
    assert "    dd['x'] = 1\n" not in reduced  # another function's own dd
    assert_same_everywhere(source)
    assert_same_everywhere(source.replace("    dd['track_running_stats'] = True\n", "\n"))


def test_every_mention_of_a_factory_table_is_kept():
    source = (
        "import torch.nn as nn\n"
        "TYPES = (nn.BatchNorm1d, nn.BatchNorm2d)\n"
        "def check(m):\n"
        "    assert isinstance(m, TYPES)\n"
        "def make(dim, c):\n"
        "    return TYPES[dim - 1](c)\n"
    )
    assert reduce(source) == source
    assert_same_everywhere(source)
    assert_same_everywhere(source.replace("    assert isinstance(m, TYPES)\n", "    pass\n"))


def test_every_mention_of_a_loop_variable_over_a_table_is_kept():
    """factory_tables.py reads every mention of the variable of a loop over a table, in its function."""
    source = (
        "import torch.nn as nn\n"
        "_NORMS = [nn.BatchNorm1d, nn.BatchNorm2d]\n"
        "def build(c, m):\n"
        "    layers = []\n"
        "    for cls in _NORMS:\n"
        "        layers.append(cls(c))\n"
        "    found = [make(c) for make in (nn.BatchNorm1d, nn.BatchNorm2d)]\n"
        "    if m is cls or m is make:\n"
        "        return found\n"
        "    return layers\n"
        "def unrelated(cls):\n"
        "    return cls(1)\n"
    )
    reduced = reduce(source)
    assert "        layers.append(cls(c))\n" in reduced and "    if m is cls or m is make:\n" in reduced
    assert "    return cls(1)\n" not in reduced  # another function's own cls
    assert_same_everywhere(source)
    assert_same_everywhere(source.replace("    if m is cls or m is make:\n", "    if m:\n"))


def test_a_match_statement_header_is_read_for_loops_too():
    """A compound statement without a body of its own (match): its header ends before its first case's body."""
    source = (
        "import torch.nn as nn\n"
        "def f(x, c):\n"
        "    match [n for n in (nn.BatchNorm1d,)]:\n"
        "        case 1:\n"
        "            return [n(c) for n in (nn.BatchNorm1d, nn.BatchNorm2d)]\n"
        "        case _:\n"
        "            return nn.BatchNorm2d(c)\n"
    )
    assert_same_everywhere(source)


def test_blocks_of_if_try_for_are_never_blanked_but_defs_inside_them_are():
    source = (
        "import torch\n"
        "if torch.cuda.is_available():\n"
        "    nn = None\n"
        "    def helper():\n"
        "        return 1\n"
    )
    assert reduce(source) == "import torch\nif torch.cuda.is_available():\n    nn = None\n    def helper():\n        pass\n"


def test_the_inside_of_a_long_literal_without_a_recognised_name_is_emptied():
    source = (
        "import torch\n"
        "default_cfgs = generate({\n"
        "    'a': dict(url='x'),\n"
        "    'b': [1, 2],\n"
        "})\n"
        "layer = torch.nn.BatchNorm2d(3)\n"
    )
    assert reduce(source) == "import torch\ndefault_cfgs = generate({\n\n\n})\nlayer = torch.nn.BatchNorm2d(3)\n"


def test_statements_that_bind_no_name_become_pass_and_the_rest_stay():
    source = (
        "import torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        width = c * 2\n"
        "        self.conv = nn.Conv2d(c, width, 3)\n"
        "        self.bn = nn.BatchNorm2d(width)\n"
        "        for nn in range(2):\n"
        "            self.extra = 1\n"
        "        if c:\n"
        "            self.relu = nn.ReLU()\n"
        "        a = 1; self.b = 2\n"
    )
    assert reduce(source) == (
        "import torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self, c):\n"
        "        pass\n"
        "        width = c * 2\n"
        "        pass\n"
        "        self.bn = nn.BatchNorm2d(width)\n"
        "        for nn in range(2):\n"
        "            pass\n"
        "        pass\n"
        "\n"
        "        a = 1; self.b = 2\n"
    )


def test_a_body_on_its_headers_line_is_never_blanked_alone():
    source = "import torch.nn as nn\nif nn.BatchNorm2d: self_x = f(); g()\nwhile nn.BatchNorm2d: g()\n"
    assert reduce(source) == source


@pytest.mark.parametrize(
    "statement",
    [
        "x = ['''a\n    b''',\n    1,\n    2,\n]\n",  # a string crosses the edge
        "x = (None\n    , 2\n    , 3\n)\n",  # a tuple could turn into a bare None
        "x = {'a': foo(\n    1),\n    'b': 2,\n}\n",  # an element would be cut in half
        "x = [\n    1,\n    nn.BatchNorm2d,\n]\n",  # a recognised name inside
    ],
    ids=["string", "tuple", "half-element", "recognised"],
)
def test_the_inside_of_a_literal_stays_when_it_cannot_be_cut_cleanly(statement):
    source = "import torch\n" + statement + "y = torch.nn.BatchNorm2d(1)\n"
    assert reduce(source) == source


def test_a_reduced_file_libcst_cannot_parse_falls_back_to_the_whole_file(monkeypatch):
    source = "import torch.nn as nn\ndef f():\n    return 1\nlayer = nn.BatchNorm2d(3)\n"
    monkeypatch.setattr(analysis_module, "blank_inert_bodies", lambda source, tree, extra_classes=(): source + "def (\n")
    assert [(f.code, f.line) for f in analyze(source, need_source=False).findings] == [("BN001", 4)]


def test_extra_classes_are_recognised_names():
    source = "import mylib\ndef f():\n    return mylib.MyNorm(3)\n"
    assert reduce(source, ("mylib.MyNorm",)) == source
    assert reduce(source) != source


# Generated modules: random nesting of definitions, blocks and statements that matter to the visitor
# (imports, aliases, shadowing, subclasses, layer calls, factories, long literals).
SIMPLE = [
    "import torch",
    "import torch.nn as nn",
    "from torch import nn",
    "from torch.nn import BatchNorm2d",
    "from torch.nn import BatchNorm2d as BN",
    "from torch.nn import InstanceNorm1d as IN",
    "import torchvision.models as tvm",
    "from torchvision.models import resnet50 as r50",
    "from functools import partial",
    "from functorch.experimental import replace_all_batch_norm_modules_",
    "nn = object()",
    "BN = None",
    "torch = make()",
    "x = 1",
    "layer = nn.BatchNorm2d(3)",
    "layer = BN(4, track_running_stats=False)",
    "layer = BatchNorm2d(4, 1e-5, 0.1, True, True)",
    "layer = IN(3, track_running_stats=True)",
    "model = tvm.resnet50()",
    "model = r50(weights=None)",
    "norm_layer = nn.BatchNorm2d",
    "norm_layer = norm_layer or nn.BatchNorm1d",
    "blocks = [nn.BatchNorm2d, nn.ReLU]",
    "out = torch.nn.functional.batch_norm(x, rm, rv, training=True)",
    "sub = MyBN(3)",
    "sub = Sub(3)",
    "cfg = {\n'a': dict(x=1),\n'b': [\n1,\n2],\n}",
    "cfg = build(\n1,\n2,\n3,\n)",
    "text = '''\nBatchNorm2d\n'''",
    "value = [\n'''a\nb''',\nc,\n]",
    "self.act = nn.ReLU()",
    "self.norm = nn.BatchNorm1d(3)",
    "print(nn.BatchNorm2d)",
    "layers.append(BN(2)); self.x = 1",
    "x += 1",
    "(nn := make())",
    "return nn.BatchNorm3d(2)",
    "return x",
    "pass",
    # hazards (BN009-BN011), and what must not count as one
    "from torch.nn.utils.fusion import fuse_conv_bn_eval",
    "import torch.fx.experimental.optimization as opt",
    "fused = fuse_conv_bn_eval(conv, bn)",
    "return opt.fuse(model)",
    "std = (bn.running_var + bn.eps).sqrt()",
    "bn.running_mean.copy_(stats)",
    "bn.running_var = None",
    "self.num_batches_tracked.add_(1)",
    "unset = bn.running_mean is None",
    "y = torch.nn.functional.batch_norm(x, bn.running_mean, bn.running_var)",
    "model.load_state_dict(sd)",
    "model.load_state_dict(\nsd,\nstrict=False,\n)",
    "optimizer.load_state_dict(sd)",
    "mean = sd['bn.running_mean']",
    "var = getattr(bn, 'running_var')",
    "setattr(bn, 'num_batches_tracked', None)",
    # library norm specs (norm_specs.py), and a user's own function of the same name
    "from monai.networks.layers import Norm, get_norm_layer",
    "from mmcv.cnn import ConvModule, build_norm_layer",
    "from detectron2.layers import get_norm",
    "layer = get_norm_layer('batch', 2, 4)",
    "layer = Norm[Norm.BATCH, 2](4)",
    "layer = build_norm_layer(dict(type='BN'), 4)",
    "block = ConvModule(3, 4, 3, norm_cfg={\n'type': 'SyncBN',\n})",
    "layer = get_norm('BN', 4)",
    "def get_norm(norm, c): return None",
    # factory tables iterated or indexed, loop variables, model classes as values and in partial
    "_NORMS = (nn.BatchNorm1d, BN)",
    "NORMS = [nn.BatchNorm2d, BatchNorm2d]",
    "layers = [cls(3) for cls in _NORMS]",
    "layer = _NORMS[1](3)",
    "layer = cls(4)",
    "same = type(m) is cls",
    "model_cls = tvm.ResNet",
    "make = partial(tvm.ResNet, block, [1, 1])",
    "enc = Enc(block, [1])",
]
HEADERS = [
    "def f(x):",
    "def g(norm_layer=nn.BatchNorm2d):",
    "def h(nn):",
    "async def k():",
    "class Plain:",
    "class MyBN(nn.BatchNorm2d):",
    "class Sub(MyBN):",
    "class Other(Base):",
    "if flag:",
    "try:",
    "for item in items:",
    "with ctx() as nn:",
    "@decorator\ndef decorated():",
    "def unfreeze(frozen):",
    "for cls in (nn.BatchNorm1d, BN):",
    "for i, cls in enumerate(NORMS):",
    "class Enc(tvm.ResNet):",
]


def _indent(block: str, prefix: str = "    ") -> str:
    return "".join(prefix + line if line.strip() else line for line in block.splitlines(keepends=True))


blocks = st.recursive(
    st.lists(st.sampled_from(range(len(SIMPLE))), min_size=1, max_size=4).map(
        lambda indices: "".join(SIMPLE[i] + "\n" for i in indices)
    ),
    lambda inner: st.lists(
        st.one_of(
            inner,
            st.tuples(st.sampled_from(HEADERS), inner).map(
                lambda pair: pair[0]
                + "\n"
                + _indent(pair[1])
                + ("except ImportError:\n    pass\n" if pair[0] == "try:" else "")
            ),
        ),
        min_size=1,
        max_size=4,
    ).map("".join),
    max_leaves=12,
)


def _valid(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(body=blocks)
def test_generated_modules_have_the_same_findings_and_fixes(body):
    # `return` outside a function is a SyntaxError: such examples are dropped, not analysed.
    source = "import torch\n" + body
    if not _valid(source):
        return
    reduced = reduce(source)
    assert len(reduced.splitlines()) == len(source.splitlines())
    assert_same_everywhere(source)


def test_hazards_are_kept_where_nothing_else_is_recognised():
    source = (
        "import torch\n"
        "import torch.fx.experimental.optimization as opt\n"
        "layer = torch.nn.BatchNorm2d(3)\n"
        "def deploy(model, sd):\n"
        "    helper = 1\n"
        "    model.load_state_dict(\n"
        "        sd,\n"
        "        strict=False,\n"
        "    )\n"
        "    return opt.fuse(model)\n"
        "def unfreeze(frozen):\n"
        "    bn = torch.nn.BatchNorm2d(3)\n"
        "    log('copying')\n"
        "    bn.running_mean.copy_(frozen.running_mean)\n"
        "    return bn\n"
    )
    reduced = reduce(source)
    assert "strict=False" in reduced and "opt.fuse(model)" in reduced and "bn.running_mean.copy_" in reduced
    assert "log('copying')" not in reduced
    assert_same_everywhere(source)

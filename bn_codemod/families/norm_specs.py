"""BN001/BN003/BN004/BN005: norm layers that libraries build from a spec (norm_factories.py): MONAI's
get_norm_layer("batch", ...) and Norm[Norm.BATCH, 2](...), mmcv's build_norm_layer(dict(type="BN"), ...) and
ConvModule(norm_cfg=...), detectron2's get_norm("BN", ...).

Only specs written at the call are read: a name or a config built elsewhere is not followed.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import layout
from ..arguments import UNKNOWN, describe_non_bool, find_slot, literal_value, string_literal
from ..knowledge import TRACKING_KEYWORD, NormClass
from ..norm_factories import (
    DETECTRON2_NAME,
    MMCV_CFG,
    MONAI_NORM_FACTORY,
    MONAI_TRACKING_NAMES,
    NORM_FACTORY_BY_QUALNAME,
    OPENMMLAB_MODEL_BY_QUALNAME,
    NormFactory,
    OpenMMLabModel,
)
from ..scopes import resolve
from . import Family
from .builders import RUNTIME_ADVICE

_EMPTY = cst.Module([])


class NormSpecs(Family):
    def __init__(self, visitor) -> None:
        super().__init__(visitor)
        self._config_specs: Optional[set[int]] = None  # in an OpenMMLab config: ids of its norm specs to report
        self._beside_no_norm_eval: set[int] = set()  # ids of those in a backbone dict that sets no norm_eval
        # Per class being visited: the OpenMMLab backbone it subclasses (qualified name and entry), or None.
        self._parents: list[Optional[tuple[str, OpenMMLabModel]]] = []
        self._class_names: list[str] = []

    def visit_class(self, node: cst.ClassDef) -> None:
        """Before the class's scope is entered: its bases resolve in the enclosing scopes."""
        parent = None
        for base in node.bases:
            qualified = resolve(base.value, self.visitor.scopes)
            if qualified in OPENMMLAB_MODEL_BY_QUALNAME:
                parent = (qualified, OPENMMLAB_MODEL_BY_QUALNAME[qualified])
        self._parents.append(parent)
        self._class_names.append(node.name.value)

    def leave_class(self, node: cst.ClassDef) -> None:
        self._parents.pop()
        self._class_names.pop()

    def visit_module(self, module: cst.Module) -> None:
        self._config_specs = None
        if _is_openmmlab_config(module):
            self._config_specs, self._beside_no_norm_eval = _openmmlab_config_specs(module)

    def leave_unresolved_call(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """A call without a qualified callee: `Norm[Norm.BATCH, 2](64)`, or a config's `dict(type='SyncBN')`."""
        if self._config_specs is not None and id(original) in self._config_specs and self._is_builtin_dict(original.func):
            layer_type = string_literal(_dict_call_entries(original)[0]["type"])
            unless = (
                " (unless a norm_eval=True from a base config or the class, as mmdet's backbones have, keeps them in "
                "eval mode under train())"
                if id(original) in self._beside_no_norm_eval
                else ""
            )
            self.visitor.report(
                original,
                "BN004",
                f"OpenMMLab config: dict(type={layer_type!r}) builds {_CONFIG_BUILDS[layer_type]} layers that track "
                f"running stats{unless}; not fixed, as a key added here also reaches the configs inheriting this one, "
                f"and mmengine merges their norm_cfg (e.g. dict(type='GN')) with it, which GroupNorm rejects: add "
                f"{TRACKING_KEYWORD}=False in the config you build from, or {RUNTIME_ADVICE}",
            )
            return updated
        parent = self._parents[-1] if self._parents else None
        if parent is not None and _is_super_init(original):
            # `super().__init__(...)` in a subclass of an OpenMMLab backbone: a call of the parent, same slots.
            qualified, model = parent
            name = f"{qualified.rsplit('.', 1)[-1]}.__init__ in {self._class_names[-1]}"
            return self._openmmlab_model(original, updated, qualified, model, name)
        return self.leave_subscript_call(original, updated)

    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        factory = NORM_FACTORY_BY_QUALNAME.get(callee)
        if factory is None:
            model = OPENMMLAB_MODEL_BY_QUALNAME.get(callee)
            return None if model is None else self._openmmlab_model(original, updated, callee, model)
        slot = find_slot(original.args, factory.keyword, factory.positional_index)
        if slot.absent or slot.maybe:
            return updated  # every factory here defaults to no BatchNorm; a spec in **kwargs is not followed
        spec = original.args[slot.arg_index].value
        what = f"{callee.rsplit('.', 1)[-1]}: {factory.keyword}"
        if factory.kind == DETECTRON2_NAME:
            if string_literal(spec) in factory.tracking_specs:
                self.visitor.report(
                    original,
                    "BN004",
                    f"{what}={spec.value} builds {factory.builds} layers, called with the channel count only, so "
                    f"no argument reaches them; {RUNTIME_ADVICE}",
                )
            return updated
        if factory.kind == MMCV_CFG:
            new_spec = self._config(original, spec, factory, what, type_key=True)
        else:
            new_spec = self._monai_spec(original, spec, factory, what)
        return self._set_spec(original, updated, factory, slot, new_spec)

    def _set_spec(
        self, original: cst.Call, updated: cst.Call, factory: NormFactory, slot, new_spec: Optional[cst.BaseExpression]
    ) -> cst.Call:
        if new_spec is None:
            return updated
        action = "set-positional" if slot.positional else "set-keyword"
        self.visitor.record(original, action, _EMPTY.code_for_node(new_spec), slot.arg_index, keyword=factory.keyword)
        new_args = list(updated.args)
        new_args[slot.arg_index] = new_args[slot.arg_index].with_changes(value=new_spec)
        return updated.with_changes(args=new_args)

    def _openmmlab_model(
        self, original: cst.Call, updated: cst.Call, callee: str, model: OpenMMLabModel, name: str = ""
    ) -> cst.Call:
        """`ResNet(depth=50)` of mmdet/mmseg/mmpretrain: its norm_cfg, or the default restated, gets
        track_running_stats=False, unless norm_eval keeps the layers in eval mode (no finding then)."""
        factory = model.factory
        name = name or callee.rsplit(".", 1)[-1]
        eval_slot = find_slot(original.args, "norm_eval", model.norm_eval_index)
        if model.norm_eval_default is None:
            norm_eval = False  # no such parameter
        elif eval_slot.absent:
            norm_eval = model.norm_eval_default
        else:
            norm_eval = UNKNOWN if eval_slot.maybe else literal_value(original.args[eval_slot.arg_index].value)
        if norm_eval is True:
            return updated  # its train() puts every BatchNorm in eval mode: running stats never update
        slot = find_slot(original.args, factory.keyword, factory.positional_index)
        if model.misses:
            self.visitor.report(original, "BN004", f"{name} ({factory.library}): {model.misses}; {RUNTIME_ADVICE}")
            return updated
        if slot.maybe:
            self.visitor.report(original, "BN005", f"{name}: {factory.keyword} {slot.reason}")
            return updated
        if norm_eval is not False:
            described = "**kwargs" if eval_slot.maybe else describe_non_bool(original.args[eval_slot.arg_index].value)
            self.visitor.report(
                original,
                "BN005",
                f"{name}: norm_eval is set by {described}; when false, its BatchNorm layers track running stats",
            )
            return updated
        if not slot.absent:
            spec = original.args[slot.arg_index].value
            new_spec = self._config(original, spec, factory, f"{name}: {factory.keyword}", type_key=True)
            return self._set_spec(original, updated, factory, slot, new_spec)
        default = cst.parse_expression(factory.default_spec)
        new_spec = self._config(original, default, factory, f"{name}: the default {factory.keyword}", type_key=True)
        if new_spec is None:
            return updated
        value_source = _EMPTY.code_for_node(new_spec)
        self.visitor.record(original, "add-keyword", value_source, keyword=factory.keyword)
        return layout.append_keyword(updated, factory.keyword, new_spec)

    def leave_subscript_call(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """`Norm[Norm.BATCH, 2](64)`: the subscript is the class BatchNorm2d, so the call is BN001's."""
        subscript = original.func
        if not isinstance(subscript, cst.Subscript) or resolve(subscript.value, self.visitor.scopes) not in MONAI_NORM_FACTORY:
            return None
        first = subscript.slice[0].slice
        if not isinstance(first, cst.Index) or not self._monai_tracking_name(first.value, MONAI_TRACKING_NAMES):
            return None
        # BatchNorm1d/2d/3d and SyncBatchNorm all take track_running_stats at positional index 4.
        norm_class = NormClass(_EMPTY.code_for_node(subscript), (), True, 4)
        return self.visitor.constructors.construct(original, updated, norm_class, updated.args, offset=0)

    def _monai_tracking_name(self, expression: cst.BaseExpression, tracking_names: tuple[str, ...]) -> bool:
        name = string_literal(expression)
        if name is not None:
            return name.upper() in tracking_names  # looked up upper-cased
        # Norm.BATCH: the attribute is the name itself, and only the upper-case one exists.
        return (
            isinstance(expression, cst.Attribute)
            and expression.attr.value in tracking_names
            and resolve(expression.value, self.visitor.scopes) in MONAI_NORM_FACTORY
        )

    def _monai_spec(
        self, original: cst.Call, spec: cst.BaseExpression, factory: NormFactory, what: str
    ) -> Optional[cst.BaseExpression]:
        """"batch" or Norm.BATCH -> ("batch", {"track_running_stats": False}); ("batch", {...}) gets the key."""
        if self._monai_tracking_name(spec, factory.tracking_specs):
            if not self._report_fix(original, what, factory):
                return None
            quote = "'" if isinstance(spec, cst.SimpleString) and spec.value.startswith("'") else '"'
            arguments = cst.parse_expression(f"{{{quote}{TRACKING_KEYWORD}{quote}: False}}")
            return cst.Tuple(
                [
                    cst.Element(spec.with_changes(lpar=[], rpar=[]), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Element(arguments),
                ]
            )
        if not isinstance(spec, cst.Tuple) or len(spec.elements) != 2 or any(
            isinstance(element, cst.StarredElement) for element in spec.elements
        ):
            return None
        if not self._monai_tracking_name(spec.elements[0].value, factory.tracking_specs):
            return None
        new_arguments = self._config(original, spec.elements[1].value, factory, what, type_key=False)
        if new_arguments is None:
            return None
        elements = list(spec.elements)
        elements[1] = elements[1].with_changes(value=new_arguments)
        return spec.with_changes(elements=elements)

    def _config(
        self, original: cst.Call, config: cst.BaseExpression, factory: NormFactory, what: str, type_key: bool
    ) -> Optional[cst.BaseExpression]:
        """A dict literal or dict(...) of keyword arguments for the layer: the dict with track_running_stats=False,
        or None when it needs no change or cannot be read (BN005 when it may still track)."""
        if isinstance(config, cst.Dict):
            entries = _dict_literal_entries(config)
        elif isinstance(config, cst.Call) and self._is_builtin_dict(config.func):
            entries = _dict_call_entries(config)
        else:
            return None
        if entries is None:
            return None  # positional arguments to dict(), or keys that are not plain strings
        values, unpacked = entries
        if type_key:
            layer_type = string_literal(values["type"]) if "type" in values else None
            if layer_type not in factory.tracking_specs:
                return None
            what = f"{what} type {layer_type!r}"
        if TRACKING_KEYWORD in values:
            value = literal_value(values[TRACKING_KEYWORD])
            if value is UNKNOWN:
                described = describe_non_bool(values[TRACKING_KEYWORD])
                self.visitor.report(original, "BN005", f"{what}: {TRACKING_KEYWORD} is set to {described}")
                return None
            if value is not True or not self._report_fix(original, what, factory):
                return None
            return _set_false(config)
        if unpacked:
            self.visitor.report(original, "BN005", f"{what}: {TRACKING_KEYWORD} may be set by **kwargs")
            return None
        if not self._report_fix(original, what, factory):
            return None
        if isinstance(config, cst.Call):
            return layout.append_keyword(config, TRACKING_KEYWORD, cst.Name("False"))
        return _append_entry(config)

    def _report_fix(self, original: cst.Call, what: str, factory: NormFactory) -> bool:
        return self.visitor.report(
            original,
            "BN003",
            f"{what} builds {factory.builds} layers that track running stats: pass {TRACKING_KEYWORD}=False "
            f"in the {factory.library} norm spec",
            fixable=True,
        )

    def _is_builtin_dict(self, func: cst.BaseExpression) -> bool:
        return isinstance(func, cst.Name) and func.value == "dict" and not any(
            "dict" in scope.bindings for scope in self.visitor.scopes
        )


def _dict_literal_entries(config: cst.Dict):
    values: dict[str, cst.BaseExpression] = {}
    unpacked = False
    for element in config.elements:
        if isinstance(element, cst.StarredDictElement):
            unpacked = True
            continue
        key = string_literal(element.key)
        if key is None:
            return None
        values[key] = element.value
    return values, unpacked


def _dict_call_entries(config: cst.Call):
    values: dict[str, cst.BaseExpression] = {}
    unpacked = False
    for arg in config.args:
        if arg.star == "**":
            unpacked = True
        elif arg.keyword is None:
            return None
        else:
            values[arg.keyword.value] = arg.value
    return values, unpacked


def _set_false(config: cst.BaseExpression) -> cst.BaseExpression:
    """The dict with its track_running_stats value (a literal True) made False, parentheses kept."""
    if isinstance(config, cst.Call):
        args = [
            arg.with_changes(value=arg.value.with_changes(value="False"))
            if arg.keyword is not None and arg.keyword.value == TRACKING_KEYWORD
            else arg
            for arg in config.args
        ]
        return config.with_changes(args=args)
    elements = [
        element.with_changes(value=element.value.with_changes(value="False"))
        if isinstance(element, cst.DictElement) and string_literal(element.key) == TRACKING_KEYWORD
        else element
        for element in config.elements
    ]
    return config.with_changes(elements=elements)


def _append_entry(config: cst.Dict) -> cst.Dict:
    """{...} with "track_running_stats": False appended, in the quotes of its first key."""
    keys = [element.key for element in config.elements if isinstance(element, cst.DictElement)]
    quote = "'" if keys and isinstance(keys[0], cst.SimpleString) and keys[0].value.startswith("'") else '"'
    entry = cst.DictElement(
        cst.SimpleString(f"{quote}{TRACKING_KEYWORD}{quote}"),
        cst.Name("False"),
        whitespace_after_colon=cst.SimpleWhitespace(" "),
    )
    elements = list(config.elements)
    if not elements:
        return config.with_changes(elements=[entry])
    last = elements[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma stays trailing: `{'type': 'BN',}` -> `{'type': 'BN', 'track_running_stats': False,}`;
        # one entry a line stays so, at the indentation of the entries before.
        before_last = elements[-2].comma.whitespace_after if len(elements) > 1 else config.lbrace.whitespace_after
        between = before_last if isinstance(before_last, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        elements[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        entry = entry.with_changes(comma=cst.Comma(whitespace_after=last.comma.whitespace_after))
    else:
        elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return config.with_changes(elements=[*elements, entry])


# ---- OpenMMLab configs: reported, never edited (mmengine merges a child config's dicts into its bases') ----
# mmcv's registry (mmcv/cnn/bricks/norm.py), as norm_factories' mmcv entries.
_CONFIG_BUILDS = {
    "BN": "BatchNorm2d", "BN1d": "BatchNorm1d", "BN2d": "BatchNorm2d", "BN3d": "BatchNorm3d", "SyncBN": "SyncBatchNorm"
}
_CONFIG_TRACKING = tuple(_CONFIG_BUILDS)


def _is_openmmlab_config(module: cst.Module) -> bool:
    """A module that assigns `_base_`, or `model = dict(...)`, at its top level."""
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name) and (
                        target.value == "_base_"
                        or target.value == "model" and isinstance(small.value, cst.Call) and _called(small.value, "dict")
                    ):
                        return True
    return False


def _openmmlab_config_specs(module: cst.Module) -> tuple[set[int], set[int]]:
    """The `dict(type='BN'|'SyncBN'|...)` calls of a config that build tracking layers, but not the norm_cfg of a
    dict with norm_eval=True: mmdet's backbones then keep their BatchNorms in eval mode under train(). Also those
    that are the norm_cfg of a backbone dict without norm_eval (it may come from a base config or the class).

    Configs are data: the walk follows statements and the values of calls and displays only, far fewer nodes
    than a full traversal (which doubled the time on mmdet's configs)."""
    specs: set[int] = set()
    exempt: set[int] = set()
    beside_no_norm_eval: set[int] = set()

    def walk(node: cst.CSTNode, is_backbone: bool = False) -> None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.BaseSuite)):
            for statement in node.body if not isinstance(node, cst.BaseCompoundStatement) else (node.body,):
                walk(statement)
        elif isinstance(node, (cst.Assign, cst.AnnAssign, cst.Expr)) and node.value is not None:
            walk(node.value)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                walk(element.value)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                walk(element.value)
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            walk(node.elt)  # [dict(...) for _ in range(num_stages)]
        elif isinstance(node, cst.DictComp):
            walk(node.value)
        elif isinstance(node, cst.BinaryOperation):
            walk(node.left)  # [dict(...)] * num_stages
            walk(node.right)
        elif isinstance(node, cst.IfExp):
            walk(node.body)
            walk(node.orelse)
        elif isinstance(node, cst.Call):
            if _called(node, "dict") and _dict_call_entries(node) is not None:
                _config_dict(node, is_backbone, specs, exempt, beside_no_norm_eval)
            for arg in node.args:
                walk(arg.value, arg.keyword is not None and arg.keyword.value == "backbone")

    for statement in module.body:
        walk(statement)
    return specs - exempt, beside_no_norm_eval


def _config_dict(node: cst.Call, is_backbone: bool, specs: set[int], exempt: set[int], beside: set[int]) -> None:
    values, _ = _dict_call_entries(node)
    if "type" in values and string_literal(values["type"]) in _CONFIG_TRACKING:
        if literal_value(values.get(TRACKING_KEYWORD, cst.Name("True"))) is not False:
            specs.add(id(node))
    if "norm_cfg" in values:
        norm_eval = values.get("norm_eval")
        if norm_eval is None and is_backbone:
            beside.add(id(values["norm_cfg"]))  # only backbones have norm_eval
        elif norm_eval is not None and literal_value(norm_eval) is True:
            exempt.add(id(values["norm_cfg"]))


def _called(call: cst.Call, name: str) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == name


def _is_super_init(call: cst.Call) -> bool:
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "__init__"
        and isinstance(func.value, cst.Call)
        and _called(func.value, "super")
    )

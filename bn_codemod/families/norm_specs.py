"""BN001/BN002/BN003/BN004/BN005: norm layers that libraries build from a spec (norm_factories.py): MONAI's
get_norm_layer("batch", ...), Norm[Norm.BATCH, 2] called or used as a value, and its networks and blocks
(UNet(norm=...), DenseNet121() whose default is batch, AttentionUnet with BatchNorm out of reach), called or
subclassed; mmcv's build_norm_layer(dict(type="BN"), ...) and ConvModule(norm_cfg=...); detectron2's
get_norm("BN", ...); torch_geometric's norm="batch_norm" of MLP (its default), the BasicGNN models and
GPSConv, normalization_resolver("batch_norm", ...); GENConv's norm="batch", CGConv(batch_norm=True) and
Polynormer(post_bn=True), which only the runtime patch fixes.

Only specs written at the call are read: a name or a config built elsewhere is not followed.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .. import layout
from ..arguments import (
    UNKNOWN,
    describe_non_bool,
    dict_call_entries,
    dict_literal_entries,
    find_slot,
    literal_value,
    string_literal,
)
from ..knowledge import TRACKING_KEYWORD, NormClass
from ..norm_factories import (
    DETECTRON2_NAME,
    MMCV_CFG,
    MONAI_BLOCKS_AS_VALUES,
    MONAI_HARD_WIRED,
    MONAI_NORM_FACTORY,
    MONAI_TRACKING_NAMES,
    NORM_FACTORY_BY_QUALNAME,
    OPENMMLAB_MODEL_BY_QUALNAME,
    PYG_FIXED,
    PYG_MLP_LEGACY,
    PYG_MLP_NAMES,
    PYG_NAME,
    PYG_NORM_KWARGS,
    PYG_RESOLVER,
    PYG_TRACKING_SLOT,
    NormFactory,
    OpenMMLabModel,
)
from ..scopes import parent_init_offset, resolve
from . import Family
from .builders import RUNTIME_ADVICE, report_as_value
from .constructors import LOCAL_CLASS_PREFIX
from .model_classes import defines_init

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor

_EMPTY = cst.Module([])
_PYG_KINDS = (PYG_NAME, PYG_RESOLVER, PYG_FIXED)


class NormSpecs(Family):
    def __init__(self, visitor: BatchNormVisitor) -> None:
        super().__init__(visitor)
        self.norm_factories: dict[str, NormFactory] = dict(NORM_FACTORY_BY_QUALNAME)
        self._classes: list[tuple[cst.ClassDef, Optional[str]]] = []  # each class, and its factory parent's name
        # Per class being visited: the OpenMMLab backbone it subclasses (qualified name and entry), or None.
        self._openmmlab_parents: list[Optional[tuple[str, OpenMMLabModel]]] = []
        self._config_specs: Optional[set[int]] = None  # in an OpenMMLab config: ids of its norm specs to report
        self._beside_no_norm_eval: set[int] = set()  # ids of those in a backbone dict that sets no norm_eval

    # Subclasses of a library class that takes a spec (`class Net(UNet)`), dispatched by the visitor.
    def visit_module(self, module: cst.Module) -> None:
        """A module-level subclass without an __init__ of its own is called like its parent: bind it first
        (one of a hard-wired parent is reported once, at its class statement). Also: is it an OpenMMLab config?"""
        for statement in module.body:
            if isinstance(statement, cst.ClassDef) and not defines_init(statement):
                parent = self._factory_parent(statement)
                if parent is not None and self.norm_factories[parent].kind != MONAI_HARD_WIRED:
                    local = f"{LOCAL_CLASS_PREFIX}{statement.name.value}"
                    self.visitor.scopes[0].bindings[statement.name.value] = local
                    self.norm_factories[local] = self.norm_factories[parent]
        self._config_specs = None
        if _is_openmmlab_config(module):
            self._config_specs, self._beside_no_norm_eval = _openmmlab_config_specs(module)

    def visit_class(self, node: cst.ClassDef) -> None:
        self._classes.append((node, self._factory_parent(node)))
        self._openmmlab_parents.append(self._openmmlab_parent(node))

    def leave_class(self, node: cst.ClassDef) -> None:
        _, parent = self._classes.pop()
        self._openmmlab_parents.pop()
        if parent is not None and self.norm_factories[parent].kind == MONAI_HARD_WIRED:
            builds = self.norm_factories[parent].builds
            message = f"{node.name.value} subclasses {parent.rsplit('.', 1)[-1]}, which builds {builds}; {RUNTIME_ADVICE}"
            self.visitor.report(node.name, "BN004", message)

    def leave_parent_init(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """`super().__init__(...)` or `Parent.__init__(self, ...)` in a subclass: read like a call of the parent."""
        openmmlab = self._openmmlab_parents[-1] if self._openmmlab_parents else None
        if openmmlab is not None and parent_init_offset(original, self.visitor.scopes, lambda name: False) == 0:
            qualified, model = openmmlab
            name = f"{qualified.rsplit('.', 1)[-1]}.__init__ in {self._classes[-1][0].name.value}"
            return self._openmmlab_model(original, updated, qualified, model, name)
        if not (self._classes and self._classes[-1][1]):
            return None
        node, parent = self._classes[-1]
        offset = parent_init_offset(original, self.visitor.scopes, lambda name: name == parent)
        if offset is None:
            return None
        factory = self.norm_factories[parent]
        if factory.kind == MONAI_HARD_WIRED:
            return updated  # reported once, at the class statement
        return self._apply(original, updated, f"{parent.rsplit('.', 1)[-1]}.__init__ in {node.name.value}", factory, offset)

    def leave_unresolved_call(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """A call without a qualified callee: `Norm[Norm.BATCH, 2](64)`, or a config's `dict(type='SyncBN')`."""
        if self._config_specs is not None and id(original) in self._config_specs and self._is_builtin_dict(original.func):
            layer_type = string_literal(dict_call_entries(original)[0]["type"])
            unless = (
                " (unless an inherited norm_eval=True keeps them in eval mode, as in mmdet's backbones)"
                if id(original) in self._beside_no_norm_eval
                else ""
            )
            self.visitor.report(
                original,
                "BN004",
                f"OpenMMLab config: dict(type={layer_type!r}) builds {_CONFIG_BUILDS[layer_type]} layers that track "
                f"running stats{unless}; not fixed here, as configs inheriting this one would merge the key into "
                f"their own norm_cfg: add {TRACKING_KEYWORD}=False in the config you build from, or {RUNTIME_ADVICE}",
            )
            return updated
        return self.leave_subscript_call(original, updated)

    def _factory_parent(self, node: cst.ClassDef) -> Optional[str]:
        for base in node.bases:
            qualified = resolve(base.value, self.visitor.scopes)
            if qualified in self.norm_factories and self.norm_factories[qualified].kind not in _PYG_KINDS:
                return qualified  # (a subclass of a pyg model is not followed: _pyg_call reads calls only)
        return None

    def _openmmlab_parent(self, node: cst.ClassDef) -> Optional[tuple[str, OpenMMLabModel]]:
        """The OpenMMLab backbone a class subclasses; its bases resolve in the enclosing scopes."""
        for base in node.bases:
            qualified = resolve(base.value, self.visitor.scopes)
            if qualified in OPENMMLAB_MODEL_BY_QUALNAME:
                return qualified, OPENMMLAB_MODEL_BY_QUALNAME[qualified]
        return None

    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str, offset: int = 0) -> Optional[cst.Call]:
        """The call of a class or function of the tables; with `offset` 1, `partial(callee, ...)`."""
        factory = self.norm_factories.get(callee)
        name = callee.rsplit(".", 1)[-1]
        name = f"partial({name}, ...)" if offset else name
        if factory is None:
            model = OPENMMLAB_MODEL_BY_QUALNAME.get(callee)
            return None if model is None else self._openmmlab_model(original, updated, callee, model, name, offset)
        if factory.kind in _PYG_KINDS:
            return self._pyg_call(original, updated, factory, callee, offset)
        if factory.kind == MONAI_HARD_WIRED:
            self._report_hard_wired(original, callee, factory)
            return updated
        return self._apply(original, updated, name, factory, offset)

    def partial(self, original: cst.Call, updated: cst.Call, target: str) -> Optional[cst.Call]:
        """`partial(UNet, spatial_dims=2, norm=Norm.BATCH)`: the call's rule on the arguments after the class, found
        at positional indexes one higher. A function's partial (normalization_resolver) is not followed."""
        factory = self.norm_factories.get(target)
        if factory is not None and factory.kind == PYG_RESOLVER:
            return updated
        return self.leave_call(original, updated, target, offset=1)

    def reference(self, node: cst.BaseExpression, qualified_name: str) -> bool:
        """`model_cls = DenseNet121`, `{"r": ResNetV1c}`: a class whose default builds tracking layers (or some
        that no argument reaches) as a value, reported where it is named, its call being out of sight. True when
        `qualified_name` is one of the tables' classes (reported or, when its default builds none, not)."""
        factory = self.norm_factories.get(qualified_name)
        model = OPENMMLAB_MODEL_BY_QUALNAME.get(qualified_name)
        if model is not None:
            if model.norm_eval_default is True:
                return True  # mmdet's backbones: train() keeps their BatchNorms in eval mode
            factory = model.factory
        if factory is None:
            return False
        if qualified_name in MONAI_BLOCKS_AS_VALUES or not (factory.default_spec or factory.kind == MONAI_HARD_WIRED):
            return True
        builds = factory.builds
        if factory.kind == MONAI_HARD_WIRED:
            builds, reason = "BatchNorm", "no argument makes all of them vmap-safe"
        elif model is not None and model.misses:
            reason = model.misses
        elif factory.kind == PYG_FIXED:
            reason = f"its default {factory.keyword}={factory.default_spec} builds them with the channel count only"
        else:
            builds = "torch_geometric BatchNorm" if factory.kind == PYG_NAME else builds
            reason = f"pass {_fixed_default(factory)} where it is called"
        shown = f"{factory.names[0].rsplit('.', 1)[-1]} ({factory.library})"
        if qualified_name.startswith(LOCAL_CLASS_PREFIX):
            shown = f"{qualified_name[len(LOCAL_CLASS_PREFIX):]}, a subclass of {shown},"
        report_as_value(self.visitor, node, shown, "", builds, reason)
        return True

    def _apply(self, original: cst.Call, updated: cst.Call, name: str, factory: NormFactory, offset: int) -> cst.Call:
        """The call of `factory` (called `name` in messages) with its spec fixed, `offset` arguments before its own."""
        index = None if factory.positional_index is None else factory.positional_index + offset
        slot = find_slot(original.args, factory.keyword, index)
        if (slot.absent or slot.maybe) and factory.default_spec:
            return self._default_spec(original, updated, name, factory, slot)
        if slot.absent or slot.maybe:
            return updated  # the default builds no BatchNorm; a spec in **kwargs is not followed
        spec = original.args[slot.arg_index].value
        what = f"{name}: {factory.keyword}"
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
        return self._set_spec(original, updated, factory.keyword, slot, new_spec)

    def _set_spec(
        self, original: cst.Call, updated: cst.Call, keyword: str, slot, new_spec: Optional[cst.BaseExpression]
    ) -> cst.Call:
        """The call with the argument in `slot` (parameter `keyword`) replaced by `new_spec`."""
        if new_spec is None:
            return updated
        action = "set-positional" if slot.positional else "set-keyword"
        self.visitor.record(original, action, _EMPTY.code_for_node(new_spec), slot.arg_index, keyword=keyword)
        new_args = list(updated.args)
        new_args[slot.arg_index] = new_args[slot.arg_index].with_changes(value=new_spec)
        return updated.with_changes(args=new_args)

    def _add_spec(
        self, original: cst.Call, updated: cst.Call, keyword: str, new_spec: Optional[cst.BaseExpression]
    ) -> cst.Call:
        """The call with `keyword=new_spec` added (no such argument there yet)."""
        if new_spec is None:
            return updated
        self.visitor.record(original, "add-keyword", _EMPTY.code_for_node(new_spec), keyword=keyword)
        return layout.append_keyword(updated, keyword, new_spec)

    def _openmmlab_model(
        self, original: cst.Call, updated: cst.Call, callee: str, model: OpenMMLabModel, name: str = "", offset: int = 0
    ) -> cst.Call:
        """`ResNet(depth=50)` of mmdet/mmseg/mmpretrain: its norm_cfg, or the default restated, gets
        track_running_stats=False, unless norm_eval keeps the layers in eval mode (no finding then)."""
        factory = model.factory
        name = name or callee.rsplit(".", 1)[-1]
        eval_slot = find_slot(original.args, "norm_eval", _shifted(model.norm_eval_index, offset))
        if model.norm_eval_default is None:
            norm_eval = False  # no such parameter
        elif eval_slot.absent:
            norm_eval = model.norm_eval_default
        else:
            norm_eval = UNKNOWN if eval_slot.maybe else literal_value(original.args[eval_slot.arg_index].value)
        if norm_eval is True:
            return updated  # its train() puts every BatchNorm in eval mode: running stats never update
        slot = find_slot(original.args, factory.keyword, _shifted(factory.positional_index, offset))
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
            return self._set_spec(original, updated, factory.keyword, slot, new_spec)
        default = cst.parse_expression(factory.default_spec)
        new_spec = self._config(original, default, factory, f"{name}: the default {factory.keyword}", type_key=True)
        return self._add_spec(original, updated, factory.keyword, new_spec)

    def _report_hard_wired(self, original: cst.Call, callee: str, factory: NormFactory) -> None:
        self.visitor.report(original, "BN004", f"{callee.rsplit('.', 1)[-1]} builds {factory.builds}; {RUNTIME_ADVICE}")

    def _default_spec(self, original: cst.Call, updated: cst.Call, name: str, factory: NormFactory, slot) -> cst.Call:
        """No spec at the call, and the default builds BatchNorm: the default restated with the key, as a keyword."""
        what = f"{name}: {factory.keyword}"
        if slot.maybe:
            self.visitor.report(
                original, "BN005", f"{what} {slot.reason}; its default {factory.default_spec} builds {factory.builds} layers"
            )
            return updated
        new_spec = self._monai_spec(original, cst.parse_expression(factory.default_spec), factory, f"{what} (default)")
        return self._add_spec(original, updated, factory.keyword, new_spec)

    def leave_subscript_call(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """`Norm[Norm.BATCH, 2](64)`: the subscript is the class BatchNorm2d, so the call is BN001's."""
        norm_class = self.monai_norm_class(original.func)
        if norm_class is None:
            return None
        return self.visitor.constructors.construct(original, updated, norm_class, updated.args, offset=0)

    def leave_subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        """`norm_type = Norm[Norm.BATCH, 2]`: the class BatchNorm2d used as a value, so BN002's."""
        if not self.visitor.factories.in_position(original):
            return updated  # the common case, settled before resolving anything
        norm_class = self.monai_norm_class(original)
        if norm_class is None:
            return updated
        # Only fixed where every use of a name it is bound to calls it: MONAI's SEResNet50 and AHNet put theirs
        # in isinstance(m, norm_type), which a partial would make raise TypeError.
        return self.visitor.factories.reference_class(original, updated, norm_class, only_called=True)

    def monai_norm_class(self, subscript: cst.BaseExpression) -> Optional[NormClass]:
        """The norm class that MONAI's `Norm[Norm.BATCH, d]` / `Norm["batch", d]` is, else None."""
        if not isinstance(subscript, cst.Subscript) or resolve(subscript.value, self.visitor.scopes) not in MONAI_NORM_FACTORY:
            return None
        first = subscript.slice[0].slice
        if not isinstance(first, cst.Index) or not self._monai_tracking_name(first.value, MONAI_TRACKING_NAMES):
            return None
        # BatchNorm1d/2d/3d and SyncBatchNorm all take track_running_stats at positional index 4.
        return NormClass(_EMPTY.code_for_node(subscript), (), True, 4)

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
            entries = dict_literal_entries(config)
        elif isinstance(config, cst.Call) and self._is_builtin_dict(config.func):
            entries = dict_call_entries(config)
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

    # torch_geometric: a string spec looked up by normalization_resolver (norm_factories.py) -----------------

    def _pyg_call(
        self, original: cst.Call, updated: cst.Call, factory: NormFactory, callee: str, offset: int = 0
    ) -> cst.Call:
        if factory.kind == PYG_RESOLVER:
            return self._pyg_resolver(original, updated, callee)
        short = callee.rsplit(".", 1)[-1]
        short = f"partial({short}, ...)" if offset else short
        kwargs_index = None if factory.positional_index is None else factory.positional_index + 1 + offset
        legacy = find_slot(original.args, PYG_MLP_LEGACY[0], None) if callee in PYG_MLP_NAMES else None
        if legacy is not None and not legacy.absent and not legacy.maybe:
            # MLP(batch_norm=<bool>) replaces norm= and norm_kwargs= (a value that is not a bool is ignored)
            flag = original.args[legacy.arg_index].value
            value = literal_value(flag)
            if value is False:
                return updated
            if value is UNKNOWN and describe_non_bool(flag) == "a value that is not a literal":
                self.visitor.report(
                    original,
                    "BN005",
                    f"{short}: batch_norm (deprecated) is set to a value that is not a literal; if True, it builds "
                    f"torch_geometric BatchNorm layers from {PYG_MLP_LEGACY[1]}, whatever norm= says",
                )
                return updated
            if value is True:
                what = f"{short}: batch_norm=True (deprecated)"
                return self._pyg_norm_kwargs(original, updated, factory, "batch_norm", '"', what, PYG_MLP_LEGACY[1], None)
        if callee in PYG_MLP_NAMES and _pyg_mlp_has_no_norm_layer(original.args[offset:]):
            return updated
        slot = find_slot(original.args, factory.keyword, _shifted(factory.positional_index, offset))
        if (slot.absent or slot.maybe) and not factory.default_spec:
            return updated  # the default builds no tracking layer; a spec in **kwargs is not followed
        spec = cst.parse_expression(factory.default_spec) if slot.absent or slot.maybe else original.args[slot.arg_index].value
        name = string_literal(spec)
        if name is None and factory.kind == PYG_FIXED and literal_value(spec) is True:
            name = "True"  # CGConv(batch_norm=True), Polynormer(post_bn=True)
        if name is None:
            return updated  # a layer instance (BN001 at its constructor), None, or a name that is not followed
        tracks = name in factory.tracking_specs if factory.kind == PYG_FIXED else normalize_pyg_name(name) in PYG_TRACKING_SLOT
        if not tracks:
            return updated
        default = f"{factory.keyword}={factory.default_spec} (the default)"
        if slot.maybe:
            self.visitor.report(
                original,
                "BN005",
                f"{short}: {factory.keyword} {slot.reason}, and {default} builds layers that track running stats",
            )
            return updated
        given = _EMPTY.code_for_node(spec)
        what = f"{short}: {default if slot.absent else f'{factory.keyword}={given}'}"
        if factory.kind == PYG_FIXED:
            self.visitor.report(
                original,
                "BN004",
                f"{what} builds {factory.builds} layers with the channel count only, so no argument reaches them; "
                f"{RUNTIME_ADVICE}",
            )
            return updated
        quote = "'" if not slot.absent and spec.value.startswith("'") else '"'  # the file's, not pyg's
        return self._pyg_norm_kwargs(original, updated, factory, name, quote, what, PYG_NORM_KWARGS, kwargs_index)

    def _pyg_norm_kwargs(
        self,
        original: cst.Call,
        updated: cst.Call,
        factory: NormFactory,
        name: str,
        quote: str,
        what: str,
        keyword: str,
        index: Optional[int],
    ) -> cst.Call:
        """norm_kwargs gets "track_running_stats": False, which every layer the models resolve receives."""
        layer = PYG_TRACKING_SLOT[normalize_pyg_name(name)][0]
        factory = dataclasses.replace(factory, builds=f"torch_geometric {layer}")
        slot = find_slot(original.args, keyword, index)
        if slot.maybe:
            self.visitor.report(original, "BN005", f"{what}: {TRACKING_KEYWORD} {slot.reason} (in {keyword})")
            return updated
        given = None if slot.absent else original.args[slot.arg_index].value
        if given is None or literal_value(given) is None:
            if not self._report_fix(original, what, factory):
                return updated
            new_source = f"{{{quote}{TRACKING_KEYWORD}{quote}: False}}"
            new_value: Optional[cst.BaseExpression] = cst.parse_expression(new_source)
        else:
            entries = (
                dict_literal_entries(given)
                if isinstance(given, cst.Dict)
                else dict_call_entries(given)
                if isinstance(given, cst.Call) and self._is_builtin_dict(given.func)
                else None
            )
            if entries is None:
                self.visitor.report(
                    original,
                    "BN005",
                    f"{what}: {keyword} is not a dict literal or dict(...) call, so {TRACKING_KEYWORD} may be set "
                    f"in it or not",
                )
                return updated
            allow_single_element = entries[0].get("allow_single_element")
            if allow_single_element is not None and literal_value(allow_single_element) is not False:
                self.visitor.report(
                    original,
                    "BN004",
                    f"{what}: allow_single_element needs {TRACKING_KEYWORD}=True, so no argument makes these "
                    f"layers vmap-safe; {RUNTIME_ADVICE}",
                )
                return updated
            new_value = self._config(original, given, factory, what, type_key=False)
        if slot.absent:
            return self._add_spec(original, updated, keyword, new_value)
        return self._set_spec(original, updated, keyword, slot, new_value)

    def _pyg_resolver(self, original: cst.Call, updated: cst.Call, callee: str) -> cst.Call:
        """normalization_resolver("batch_norm", c, ...): the arguments after the query are the layer's own."""
        if not original.args or original.args[0].keyword is not None or original.args[0].star:
            return updated
        name = string_literal(original.args[0].value)
        if name is None or normalize_pyg_name(name) not in PYG_TRACKING_SLOT:
            return updated
        layer, position = PYG_TRACKING_SLOT[normalize_pyg_name(name)]
        what = f"{callee.rsplit('.', 1)[-1]}({original.args[0].value.value}) builds a torch_geometric {layer}"
        layer_args = original.args[1:]
        allow = find_slot(layer_args, "allow_single_element", 5 if layer == "BatchNorm" else None)
        if not allow.absent and not allow.maybe and literal_value(layer_args[allow.arg_index].value) is not False:
            self.visitor.report(
                original,
                "BN004",
                f"{what}: allow_single_element needs {TRACKING_KEYWORD}=True, so no argument makes it vmap-safe; "
                f"{RUNTIME_ADVICE}",
            )
            return updated
        slot = find_slot(layer_args, TRACKING_KEYWORD, position)
        if slot.maybe:
            self.visitor.report(original, "BN005", f"{what}: {TRACKING_KEYWORD} {slot.reason}")
            return updated
        fix = f"{what} that tracks running stats: pass {TRACKING_KEYWORD}=False"
        if slot.absent:
            if not self.visitor.report(original, "BN003", fix, fixable=True):
                return updated
            self.visitor.record(original, "add-keyword", "False")
            return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))
        index = slot.arg_index + 1
        value = literal_value(original.args[index].value)
        if value is UNKNOWN:
            described = describe_non_bool(original.args[index].value)
            self.visitor.report(original, "BN005", f"{what}: {TRACKING_KEYWORD} is set to {described}")
            return updated
        if value is not True or not self.visitor.report(original, "BN003", fix, fixable=True):
            return updated
        self.visitor.record(original, "set-positional" if slot.positional else "set-keyword", "False", index)
        new_args = list(updated.args)
        new_args[index] = new_args[index].with_changes(value=new_args[index].value.with_changes(value="False"))
        return updated.with_changes(args=new_args)

    def _is_builtin_dict(self, func: cst.BaseExpression) -> bool:
        return isinstance(func, cst.Name) and func.value == "dict" and not any(
            "dict" in scope.bindings for scope in self.visitor.scopes
        )


def _shifted(index: Optional[int], offset: int) -> Optional[int]:
    return None if index is None else index + offset


def _fixed_default(factory: NormFactory) -> str:
    """For a message: the argument that builds `factory`'s default layers without running stats."""
    if factory.kind == PYG_NAME:
        return f'{PYG_NORM_KWARGS}={{"{TRACKING_KEYWORD}": False}}'
    default = cst.parse_expression(factory.default_spec)
    if isinstance(default, cst.Call):  # dict(type='BN', ...)
        fixed = layout.append_keyword(default, TRACKING_KEYWORD, cst.Name("False"))
    elif isinstance(default, cst.Tuple):  # ("batch", {...})
        elements = list(default.elements)
        elements[1] = elements[1].with_changes(value=_append_entry(elements[1].value))
        fixed = default.with_changes(elements=elements)
    else:  # "batch"
        return f'{factory.keyword}=({factory.default_spec}, {{"{TRACKING_KEYWORD}": False}})'
    return f"{factory.keyword}={_EMPTY.code_for_node(fixed)}"


def _pyg_mlp_has_no_norm_layer(args) -> bool:
    """MLP([a, b]) or MLP(..., num_layers=1) with plain_last=True (the default): one linear layer, no norm."""
    plain_last = find_slot(args, "plain_last", None)
    if plain_last.maybe or (not plain_last.absent and literal_value(args[plain_last.arg_index].value) is not True):
        return False
    channels = find_slot(args, "channel_list", 0)
    if not channels.absent and not channels.maybe:
        channel_list = args[channels.arg_index].value
        if isinstance(channel_list, (cst.List, cst.Tuple)):
            elements = channel_list.elements
            return len(elements) == 2 and not any(isinstance(e, cst.StarredElement) for e in elements)
    layers = find_slot(args, "num_layers", None)
    if layers.absent or layers.maybe:
        return False
    count = args[layers.arg_index].value
    return isinstance(count, cst.Integer) and count.evaluated_value == 1


def normalize_pyg_name(name: str) -> str:
    """torch_geometric.resolver.normalize_string: how normalization_resolver compares a name."""
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


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
            if _called(node, "dict") and dict_call_entries(node) is not None:
                _config_dict(node, is_backbone, specs, exempt, beside_no_norm_eval)
            for arg in node.args:
                walk(arg.value, arg.keyword is not None and arg.keyword.value == "backbone")

    for statement in module.body:
        walk(statement)
    return specs - exempt, beside_no_norm_eval


def _config_dict(node: cst.Call, is_backbone: bool, specs: set[int], exempt: set[int], beside: set[int]) -> None:
    values, _ = dict_call_entries(node)
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

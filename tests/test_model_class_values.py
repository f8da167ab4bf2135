"""Library model classes as values: the messages say where to act, and nothing is reported twice."""

from bn_codemod import check_source, fix_source

HEADER = "from functools import partial\nimport timm\nfrom torchvision.models import DenseNet, ResNet\n"


def findings(body: str):
    return [(f.code, f.line, f.message) for f in check_source(HEADER + body)]


def test_a_torchvision_class_as_a_value_names_the_norm_layer_to_pass_where_it_is_called():
    [(code, line, message)] = findings("model_cls = ResNet\n")
    assert (code, line) == ("BN004", 4)
    assert message.startswith("ResNet (torchvision.models.resnet) used as a value: where it is called, out of")
    assert "pass norm_layer=partial(BatchNorm2d, ..., track_running_stats=False) there" in message
    assert message.endswith("replace_all_batch_norm_modules_(model) after loading weights, where you vmap")


def test_a_hard_wired_class_as_a_value_gives_the_reason_and_the_runtime_advice():
    [(_, _, message)] = findings("def f():\n    return DenseNet\n")
    assert "DenseNet (torchvision.models.densenet) used as a value" in message and "BatchNorm is hard-wired" in message
    assert "norm_layer=" not in message


def test_an_alias_is_reported_once_where_the_class_is_named_and_its_calls_stay_silent():
    assert [(c, line) for c, line, _ in findings("Net = ResNet\nnet = Net(block, [1, 1])\n")] == [("BN004", 4)]


def test_a_local_subclass_as_a_value_is_named_with_its_parent():
    [(_, _, message)] = findings("def f():\n    class Enc(ResNet):\n        pass\n    return Enc\n")
    assert message.startswith("Enc, a subclass of ResNet (torchvision.models.resnet), used as a value:")


def test_partial_of_a_model_class_is_fixed_in_place_and_partial_of_a_timm_class_reported():
    fixed, found = fix_source(HEADER + "make = partial(ResNet, block, [1, 1])\nt = partial(timm.models.ResNet)\n")
    norm = "partial(torch.nn.BatchNorm2d, track_running_stats=False)"
    assert f"make = partial(ResNet, block, [1, 1], norm_layer={norm})" in fixed
    assert [(f.code, f.line, f.fixed) for f in found] == [("BN003", 4, True), ("BN004", 5, False)]
    assert found[0].message.startswith("partial(ResNet, ...) builds BatchNorm2d layers")

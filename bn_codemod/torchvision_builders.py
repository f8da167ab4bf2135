"""What bn-codemod knows about torchvision's model builders: data only, no logic.

Checked against torchvision 0.28.0's source (tests/test_torchvision_table.py reads its wheel) and, by
building every model, against torchvision 0.29.1 on torch 2.14.1 (scripts/verify_torchvision.py);
0.29.1's torchvision/models/ is identical to 0.28.0's.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED_AGAINST = "torchvision 0.28.0 (source), torchvision 0.29.1 on torch 2.14.1 (built)"

# How a builder's BatchNorm can be patched
NORM_LAYER_WORKS = "norm-layer"  # pass norm_layer=partial(<default_norm>, <default_kwargs>, track_running_stats=False)
RUNTIME_ONLY = "runtime"  # only torch.func.replace_all_batch_norm_modules_ after construction
NO_BATCHNORM = "none"  # no BatchNorm, or the norm slot is a LayerNorm: never a finding

HARD_WIRED = "BatchNorm is hard-wired"
SILENTLY_IGNORED = "norm_layer is silently ignored"
BUILDER_SETS_IT = "norm_layer raises TypeError (the builder sets it)"
CONSTRUCTION_FAILS = "construction fails with a custom norm_layer"


@dataclass(frozen=True)
class Builder:
    name: str  # "resnet50"
    modules: tuple[str, ...]  # every public module exporting it: ("torchvision.models", "torchvision.models.resnet")
    support: str  # one of the three constants above
    default_norm: str = ""  # torch.nn class the model uses when norm_layer is absent, for NORM_LAYER_WORKS
    default_kwargs: tuple[tuple[str, str], ...] = ()  # that default's keywords as source text, to restate
    reason: str = ""  # for RUNTIME_ONLY: short, user-facing
    quantization: bool = False  # a torchvision.models.quantization builder (takes quantize=)
    # Detection models whose backbone uses FrozenBatchNorm2d (no running-stat updates) whenever
    # `weights` or `weights_backbone` is set; weights_backbone defaults to pretrained, so only a
    # call with both None builds tracking BatchNorm.
    frozen_unless_untrained: bool = False


_M = "torchvision.models"
_VIDEO = "torchvision.models.video"
_QUANT = "torchvision.models.quantization"
_DETECTION = "torchvision.models.detection"
_SEGMENTATION = "torchvision.models.segmentation"
_FLOW = "torchvision.models.optical_flow"

# Every public module exporting each builder: its package and its defining submodule.
_RESNET = (_M, f"{_M}.resnet")
_EFFICIENTNET = (_M, f"{_M}.efficientnet")
_REGNET = (_M, f"{_M}.regnet")
_MAXVIT = (_M, f"{_M}.maxvit")
_DENSENET = (_M, f"{_M}.densenet")
_VGG = (_M, f"{_M}.vgg")
_MNASNET = (_M, f"{_M}.mnasnet")
_SHUFFLENETV2 = (_M, f"{_M}.shufflenetv2")
_GOOGLENET = (_M, f"{_M}.googlenet")
_INCEPTION = (_M, f"{_M}.inception")
_CONVNEXT = (_M, f"{_M}.convnext")
_SWIN_TRANSFORMER = (_M, f"{_M}.swin_transformer")
_VISION_TRANSFORMER = (_M, f"{_M}.vision_transformer")
_ALEXNET = (_M, f"{_M}.alexnet")
_SQUEEZENET = (_M, f"{_M}.squeezenet")
_VIDEO_S3D = (_VIDEO, f"{_VIDEO}.s3d")
_VIDEO_RESNET = (_VIDEO, f"{_VIDEO}.resnet")
_VIDEO_MVIT = (_VIDEO, f"{_VIDEO}.mvit")
_VIDEO_SWIN_TRANSFORMER = (_VIDEO, f"{_VIDEO}.swin_transformer")
_Q_RESNET = (_QUANT, f"{_QUANT}.resnet")
_Q_GOOGLENET = (_QUANT, f"{_QUANT}.googlenet")
_Q_INCEPTION = (_QUANT, f"{_QUANT}.inception")
_Q_SHUFFLENETV2 = (_QUANT, f"{_QUANT}.shufflenetv2")
_DET_FASTER_RCNN = (_DETECTION, f"{_DETECTION}.faster_rcnn")
_DET_MASK_RCNN = (_DETECTION, f"{_DETECTION}.mask_rcnn")
_DET_KEYPOINT_RCNN = (_DETECTION, f"{_DETECTION}.keypoint_rcnn")
_DET_RETINANET = (_DETECTION, f"{_DETECTION}.retinanet")
_DET_FCOS = (_DETECTION, f"{_DETECTION}.fcos")
_DET_SSDLITE = (_DETECTION, f"{_DETECTION}.ssdlite")
_DET_SSD = (_DETECTION, f"{_DETECTION}.ssd")
_SEG_DEEPLABV3 = (_SEGMENTATION, f"{_SEGMENTATION}.deeplabv3")
_SEG_FCN = (_SEGMENTATION, f"{_SEGMENTATION}.fcn")
_SEG_LRASPP = (_SEGMENTATION, f"{_SEGMENTATION}.lraspp")
_FLOW_RAFT = (_FLOW, f"{_FLOW}.raft")
# mobilenet_v2/v3 are defined in mobilenetv2/mobilenetv3 and re-exported by the `mobilenet` module.
_MOBILENET_V2 = (_M, f"{_M}.mobilenet", f"{_M}.mobilenetv2")
_MOBILENET_V3 = (_M, f"{_M}.mobilenet", f"{_M}.mobilenetv3")
_Q_MOBILENET_V2 = (_QUANT, f"{_QUANT}.mobilenet", f"{_QUANT}.mobilenetv2")
_Q_MOBILENET_V3 = (_QUANT, f"{_QUANT}.mobilenet", f"{_QUANT}.mobilenetv3")

_MOBILENET_V3_BN = (("eps", "0.001"), ("momentum", "0.01"))
_REGNET_BN = (("eps", "1e-05"), ("momentum", "0.1"))  # the builder's explicit partial, equal to the class defaults
_MAXVIT_BN = (("eps", "1e-3"), ("momentum", "0.01"))
_S3D_BN = (("eps", "0.001"), ("momentum", "0.001"))

BUILDERS: tuple[Builder, ...] = (
    # --- classification: norm_layer works ---
    Builder("resnet18", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnet34", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnet50", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnet101", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnet152", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnext50_32x4d", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnext101_32x8d", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("resnext101_64x4d", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("wide_resnet50_2", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("wide_resnet101_2", _RESNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("mobilenet_v2", _MOBILENET_V2, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("mobilenet_v3_large", _MOBILENET_V3, NORM_LAYER_WORKS, "BatchNorm2d", _MOBILENET_V3_BN),
    Builder("mobilenet_v3_small", _MOBILENET_V3, NORM_LAYER_WORKS, "BatchNorm2d", _MOBILENET_V3_BN),
    Builder("efficientnet_b0", _EFFICIENTNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("efficientnet_b1", _EFFICIENTNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("efficientnet_b2", _EFFICIENTNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("efficientnet_b3", _EFFICIENTNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("efficientnet_b4", _EFFICIENTNET, NORM_LAYER_WORKS, "BatchNorm2d"),
    Builder("regnet_y_400mf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_800mf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_1_6gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_3_2gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_8gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_16gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_32gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_y_128gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_400mf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_800mf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_1_6gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_3_2gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_8gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_16gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("regnet_x_32gf", _REGNET, NORM_LAYER_WORKS, "BatchNorm2d", _REGNET_BN),
    Builder("maxvit_t", _MAXVIT, NORM_LAYER_WORKS, "BatchNorm2d", _MAXVIT_BN),
    # --- classification: runtime patch only ---
    Builder("efficientnet_b5", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("efficientnet_b6", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("efficientnet_b7", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("efficientnet_v2_s", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("efficientnet_v2_m", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("efficientnet_v2_l", _EFFICIENTNET, RUNTIME_ONLY, reason=BUILDER_SETS_IT),
    Builder("densenet121", _DENSENET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("densenet161", _DENSENET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("densenet169", _DENSENET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("densenet201", _DENSENET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("vgg11_bn", _VGG, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("vgg13_bn", _VGG, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("vgg16_bn", _VGG, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("vgg19_bn", _VGG, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mnasnet0_5", _MNASNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mnasnet0_75", _MNASNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mnasnet1_0", _MNASNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mnasnet1_3", _MNASNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("shufflenet_v2_x0_5", _SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("shufflenet_v2_x1_0", _SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("shufflenet_v2_x1_5", _SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("shufflenet_v2_x2_0", _SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("googlenet", _GOOGLENET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("inception_v3", _INCEPTION, RUNTIME_ONLY, reason=HARD_WIRED),
    # --- classification: no BatchNorm (LayerNorm slot, or no norm at all) ---
    Builder("convnext_tiny", _CONVNEXT, NO_BATCHNORM),
    Builder("convnext_small", _CONVNEXT, NO_BATCHNORM),
    Builder("convnext_base", _CONVNEXT, NO_BATCHNORM),
    Builder("convnext_large", _CONVNEXT, NO_BATCHNORM),
    Builder("swin_t", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin_s", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin_b", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin_v2_t", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin_v2_s", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin_v2_b", _SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("vit_b_16", _VISION_TRANSFORMER, NO_BATCHNORM),
    Builder("vit_b_32", _VISION_TRANSFORMER, NO_BATCHNORM),
    Builder("vit_l_16", _VISION_TRANSFORMER, NO_BATCHNORM),
    Builder("vit_l_32", _VISION_TRANSFORMER, NO_BATCHNORM),
    Builder("vit_h_14", _VISION_TRANSFORMER, NO_BATCHNORM),
    Builder("alexnet", _ALEXNET, NO_BATCHNORM),
    Builder("vgg11", _VGG, NO_BATCHNORM),
    Builder("vgg13", _VGG, NO_BATCHNORM),
    Builder("vgg16", _VGG, NO_BATCHNORM),
    Builder("vgg19", _VGG, NO_BATCHNORM),
    Builder("squeezenet1_0", _SQUEEZENET, NO_BATCHNORM),
    Builder("squeezenet1_1", _SQUEEZENET, NO_BATCHNORM),
    # --- video ---
    Builder("s3d", _VIDEO_S3D, NORM_LAYER_WORKS, "BatchNorm3d", _S3D_BN),
    Builder("r3d_18", _VIDEO_RESNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mc3_18", _VIDEO_RESNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("r2plus1d_18", _VIDEO_RESNET, RUNTIME_ONLY, reason=HARD_WIRED),
    Builder("mvit_v1_b", _VIDEO_MVIT, NO_BATCHNORM),
    Builder("mvit_v2_s", _VIDEO_MVIT, NO_BATCHNORM),
    Builder("swin3d_t", _VIDEO_SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin3d_s", _VIDEO_SWIN_TRANSFORMER, NO_BATCHNORM),
    Builder("swin3d_b", _VIDEO_SWIN_TRANSFORMER, NO_BATCHNORM),
    # --- quantization (quantize=False; quantize=True loads pretrained quantized weights) ---
    Builder("resnet18", _Q_RESNET, NORM_LAYER_WORKS, "BatchNorm2d", quantization=True),
    Builder("resnet50", _Q_RESNET, NORM_LAYER_WORKS, "BatchNorm2d", quantization=True),
    Builder("resnext101_32x8d", _Q_RESNET, NORM_LAYER_WORKS, "BatchNorm2d", quantization=True),
    Builder("resnext101_64x4d", _Q_RESNET, NORM_LAYER_WORKS, "BatchNorm2d", quantization=True),
    Builder("mobilenet_v2", _Q_MOBILENET_V2, NORM_LAYER_WORKS, "BatchNorm2d", quantization=True),
    Builder(
        "mobilenet_v3_large", _Q_MOBILENET_V3, NORM_LAYER_WORKS, "BatchNorm2d", _MOBILENET_V3_BN, quantization=True
    ),
    Builder("googlenet", _Q_GOOGLENET, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    Builder("inception_v3", _Q_INCEPTION, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    Builder("shufflenet_v2_x0_5", _Q_SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    Builder("shufflenet_v2_x1_0", _Q_SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    Builder("shufflenet_v2_x1_5", _Q_SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    Builder("shufflenet_v2_x2_0", _Q_SHUFFLENETV2, RUNTIME_ONLY, reason=HARD_WIRED, quantization=True),
    # --- detection ---
    Builder("fasterrcnn_resnet50_fpn", _DET_FASTER_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder("fasterrcnn_resnet50_fpn_v2", _DET_FASTER_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("fasterrcnn_mobilenet_v3_large_fpn", _DET_FASTER_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder(
        "fasterrcnn_mobilenet_v3_large_320_fpn", _DET_FASTER_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True
    ),
    Builder("maskrcnn_resnet50_fpn", _DET_MASK_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder("maskrcnn_resnet50_fpn_v2", _DET_MASK_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("keypointrcnn_resnet50_fpn", _DET_KEYPOINT_RCNN, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder("retinanet_resnet50_fpn", _DET_RETINANET, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder("retinanet_resnet50_fpn_v2", _DET_RETINANET, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("fcos_resnet50_fpn", _DET_FCOS, RUNTIME_ONLY, reason=SILENTLY_IGNORED, frozen_unless_untrained=True),
    Builder("ssdlite320_mobilenet_v3_large", _DET_SSDLITE, RUNTIME_ONLY, reason=CONSTRUCTION_FAILS),
    Builder("ssd300_vgg16", _DET_SSD, NO_BATCHNORM),
    # --- segmentation ---
    Builder("deeplabv3_resnet50", _SEG_DEEPLABV3, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("deeplabv3_resnet101", _SEG_DEEPLABV3, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("deeplabv3_mobilenet_v3_large", _SEG_DEEPLABV3, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("fcn_resnet50", _SEG_FCN, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("fcn_resnet101", _SEG_FCN, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    Builder("lraspp_mobilenet_v3_large", _SEG_LRASPP, RUNTIME_ONLY, reason=SILENTLY_IGNORED),
    # --- optical flow ---
    Builder("raft_large", _FLOW_RAFT, RUNTIME_ONLY, reason=HARD_WIRED),  # context encoder BatchNorm2d
    Builder("raft_small", _FLOW_RAFT, NO_BATCHNORM),  # InstanceNorm2d (not tracking) and no norm
)

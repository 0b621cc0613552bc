"""GAP-ResNet members of the glaucoma ensemble of Zhao, Liu, Zhang, Lei ("Deep Learning based for Fundus Analysis").

The paper (Section 1, Figure 1) trains five ResNet50 classifiers and averages them:

* ``full``  ResNet50, global average pooling (GAP) head, on the whole fundus image;
* ``disc``  the same network on a crop of about twice the optic-disc diameter around the disc;
* ``2gap``  GAP of the last two stages' feature maps, concatenated, then one linear layer;
* ``3gap``  the same with the last three stages;
* ``cc``    a 1x1 convolution that compresses the channels of the last stage before GAP
            ("to reduce over fitting and improve channel robustness").

From the paper: ResNet50 backbone (He et al. 2016), GAP instead of fully connected feature
layers (Zhou et al. 2016), multi-scale GAP fusion (its refs. 5, 6), 1x1 channel compression,
cross-entropy, ImageNet initialisation. The paper's ImageNet weights were torchvision's; the
full profile loads the same ones through timm's ``resnet50.tv_in1k`` tag (``cfg.cls.backbone``;
timm's untagged ``resnet50`` would be ``a1_in1k``, weights from a different training recipe).
Smoke and tests use untrained networks and download nothing. Our reading where the paper is silent:

* the backbone is timm's ``features_only`` ResNet (stages ``layer1..layer4`` = feature
  indices 1..4); "the last two/three scales" are ``layer3+layer4`` / ``layer2..layer4``;
* each pooled feature vector is concatenated as is (no per-scale projection), then one
  linear layer gives two logits (softmax cross-entropy, as the paper's "cross entropy");
* CC: 1x1 conv to ``channels // cc_reduction`` (default 8: 2048 -> 256 for ResNet50), BatchNorm,
  ReLU, then GAP and the linear layer;
* ``full`` and ``disc`` are one architecture (the input differs); which input the 2GAP, 3GAP and
  CC members see is not stated: it is a setting of the experiment (``cfg.cls.inputs``).

``backbone`` takes any timm ResNet name, with or without a pretrained tag. For the CPU smoke profile this module registers a
narrow timm ResNet, ``resnet_narrow`` (BasicBlocks 1-1-1-1, 16-32-64-128 channels, 0.3 M
parameters), so that fifteen trainings fit in a minute; it has no pretrained weights.
"""
from __future__ import annotations

from typing import Sequence

import timm
import torch
from timm.models import register_model as timm_register_model
from timm.models._registry import generate_default_cfgs
from timm.models.resnet import BasicBlock, _cfg, _create_resnet
from torch import nn

from . import register_model

VARIANTS = ("full", "disc", "2gap", "3gap", "cc")
STAGES = {"full": (4,), "disc": (4,), "2gap": (3, 4), "3gap": (2, 3, 4), "cc": (4,)}

# timm reads a module's ``default_cfgs`` when a model function is registered: one untrained config.
default_cfgs = generate_default_cfgs({"resnet_narrow.untrained": _cfg(url="")})


@timm_register_model
def resnet_narrow(pretrained: bool = False, **kwargs) -> nn.Module:
    """A narrow ResNet for CPU smoke runs: BasicBlocks 1-1-1-1, channels 16-32-64-128, stem 16 (no weights)."""
    if pretrained:
        raise ValueError("resnet_narrow has no pretrained weights; use pretrained=False (smoke) or a real ResNet")
    args = dict(block=BasicBlock, layers=(1, 1, 1, 1), channels=(16, 32, 64, 128), stem_width=16)
    return _create_resnet("resnet_narrow", pretrained, **dict(args, **kwargs))


class GapResNet(nn.Module):
    """A timm ResNet trunk with one of the paper's GAP heads (``variant`` in :data:`VARIANTS`).

    ``forward`` returns logits ``N x num_classes``; :meth:`features` the pooled, fused vector
    fed to the linear layer (its length is :attr:`feature_dim`).
    """

    def __init__(self, variant: str = "full", backbone: str = "resnet50", pretrained: bool = False,
                 num_classes: int = 2, in_chans: int = 3, cc_reduction: int = 8) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown GAP-ResNet variant {variant!r}; choose one of {VARIANTS}")
        if cc_reduction < 1:
            raise ValueError(f"cc_reduction must be >= 1, got {cc_reduction}")
        self.variant, self.backbone_name = variant, backbone
        self.stages: Sequence[int] = STAGES[variant]
        self.trunk = timm.create_model(backbone, pretrained=pretrained, features_only=True,
                                       out_indices=self.stages, in_chans=in_chans)
        channels = list(self.trunk.feature_info.channels())
        self.compress: nn.Module | None = None
        if variant == "cc":
            squeezed = max(1, channels[-1] // cc_reduction)
            self.compress = nn.Sequential(nn.Conv2d(channels[-1], squeezed, 1, bias=False),
                                          nn.BatchNorm2d(squeezed), nn.ReLU(inplace=True))
            channels = [squeezed]
        self.feature_dim = int(sum(channels))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """GAP of the selected stages (after channel compression for ``cc``), concatenated: ``N x feature_dim``."""
        maps = self.trunk(x)
        if self.compress is not None:
            maps = [self.compress(maps[-1])]
        return torch.cat([self.pool(m).flatten(1) for m in maps], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


@register_model("gap_resnet")
def gap_resnet(variant: str = "full", backbone: str = "resnet50", pretrained: bool = False, num_classes: int = 2,
               in_chans: int = 3, cc_reduction: int = 8) -> GapResNet:
    """One ensemble member: ``create_model("gap_resnet", variant="2gap", backbone="resnet50", pretrained=True)``."""
    return GapResNet(variant=variant, backbone=backbone, pretrained=pretrained, num_classes=num_classes,
                     in_chans=in_chans, cc_reduction=cc_reduction)

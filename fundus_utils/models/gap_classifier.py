"""Multi-label GAP classifiers on timm VGG and ResNet trunks (the RFMiD ensemble's base models).

Paper: the RFMiD multi-disease ensemble with Grad-CAM-guided crops (``../shared/papers/
rfmid_ensemble.txt``, Section 3): VGG (VGG16 in its Table 2, VGG19 in its abstract) and
ResNet50 fine-tuned from ImageNet weights, their convolutional features reduced by global
average pooling (GAP) and one fully connected layer with a sigmoid per disease.

From where:

* trunks: timm (``vgg16.tv_in1k``, ``vgg19.tv_in1k``, ``resnet50.tv_in1k``: torchvision's
  ImageNet weights, which Keras-era papers used), built with ``num_classes=0`` and read with
  ``forward_features``; timm's VGG classifier (FC6/FC7 as 7x7 convolutions, ``pre_logits``) is
  removed: the paper's head is GAP + one linear layer (ours: no dropout, no hidden layer);
* ``vgg_narrow`` (registered here in timm): timm's ``VGG`` with 8-16-32-64-64 channels
  (VGG11's layout, 0.15 M parameters) for the CPU smoke profile; ``resnet_narrow`` comes from
  :mod:`.gap_resnet`; neither has pretrained weights;
* :meth:`GapClassifier.cam_layer`: the layer CAMs read - the last ReLU of VGG's features
  (before the last max-pool, twice its resolution), the last block of ResNet's ``layer4``.
"""
from __future__ import annotations

import timm
import torch
from timm.models import build_model_with_cfg
from timm.models import register_model as timm_register_model
from timm.models._registry import generate_default_cfgs
from timm.models.vgg import VGG, _cfg
from torch import nn

from . import gap_resnet  # noqa: F401  (registers resnet_narrow in timm)
from . import register_model

#: VGG11's layout at 1/8 of its width (numbers = conv channels, "M" = 2x2 max-pool).
NARROW_VGG = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]

default_cfgs = generate_default_cfgs({"vgg_narrow.untrained": _cfg(url="")})


@timm_register_model
def vgg_narrow(pretrained: bool = False, **kwargs) -> VGG:
    """A narrow timm VGG for CPU smoke runs (no weights)."""
    if pretrained:
        raise ValueError("vgg_narrow has no pretrained weights; use pretrained=False (smoke) or a real VGG")
    kwargs.setdefault("mlp_ratio", 1 / 64)   # timm builds FC6/FC7 (removed by GapClassifier): keep them small
    return build_model_with_cfg(VGG, "vgg_narrow", pretrained, model_cfg=NARROW_VGG,
                                feature_cfg=dict(flatten_sequential=True), **kwargs)


class GapClassifier(nn.Module):
    """timm trunk -> global average pooling -> linear layer: ``N x num_classes`` logits (sigmoid per class).

    Inputs are images in [0, 1]; the network normalises them itself with its trunk's
    ``pretrained_cfg`` mean and std (ImageNet's for these trunks), so the loaders, the
    augmentations (which need [0, 1] pictures) and the CAM crops all handle plain pictures.
    """

    def __init__(self, backbone: str = "resnet50", num_classes: int = 28, pretrained: bool = False,
                 in_chans: int = 3) -> None:
        super().__init__()
        self.backbone_name = backbone
        self.trunk = timm.create_model(backbone, pretrained=pretrained, num_classes=0, in_chans=in_chans)
        self.is_vgg = isinstance(self.trunk, VGG)
        if self.is_vgg:  # the paper's head replaces VGG's FC6/FC7
            self.trunk.pre_logits = nn.Identity()
            self.trunk.head = nn.Identity()
            channels = [m.out_channels for m in self.trunk.features if isinstance(m, nn.Conv2d)][-1]
        else:
            channels = self.trunk.num_features
        self.feature_dim = int(channels)
        self.fc = nn.Linear(self.feature_dim, num_classes)
        cfg = self.trunk.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg["mean"], dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(cfg["std"], dtype=torch.float32).view(1, -1, 1, 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The GAP vector fed to the linear layer, ``N x feature_dim`` (``x`` in [0, 1])."""
        return self.trunk.forward_features((x - self.mean) / self.std).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))

    def cam_layer(self) -> nn.Module:
        """The layer whose activations CAM methods weight (see the module docstring)."""
        if self.is_vgg:
            return [m for m in self.trunk.features if isinstance(m, nn.ReLU)][-1]
        return self.trunk.layer4[-1]

    def head_parameters(self) -> list[nn.Parameter]:
        """The parameters that train in the frozen-backbone phase."""
        return list(self.fc.parameters())


@register_model("gap_classifier")
def gap_classifier(backbone: str = "resnet50", num_classes: int = 28, pretrained: bool = False,
                   in_chans: int = 3) -> GapClassifier:
    """``create_model("gap_classifier", backbone="vgg16.tv_in1k", num_classes=28, pretrained=True)``."""
    return GapClassifier(backbone, num_classes, pretrained, in_chans)

"""Res34-UNet: a U-Net whose encoder is a ResNet-34, the OD/OC baseline of Table 2 (MTL-IO paper).

Yu S., Xiao D., Frost S., Kanagasingam Y., "Robust optic disc and cup segmentation with
deep learning for glaucoma detection", Computerized Medical Imaging and Graphics 74:61-71
(2019): a modified U-Net with a pre-trained ResNet-34 encoder for joint OD/OC segmentation.
Pascal et al. (Sci Rep 2022, Table 2) use it as "Res34-Unet", with an encoder pre-trained
on Messidor-2 following Yu et al.; it reports no glaucoma AUC and no fovea error.

From Yu et al. / the MTL-IO paper: ResNet-34 encoder (BasicBlocks, 3-4-6-3), U-Net decoder
with skip connections, OD and OC outputs, transfer learning of the encoder.
Our reading / adaptations: the decoder is the same bilinear-upsampling double-conv decoder
as :mod:`fundus_utils.models.mtl_unet` (one level per encoder stage, then a last x2
upsampling to the input size); two sigmoid heads (OD, OC) trained with the MTL-IO
segmentation losses; ``width`` scales every channel count (64 = ResNet-34) so that the
smoke profile can run a narrow copy. Parameter names mirror timm's ``resnet34`` so that
:func:`load_timm_resnet34` copies ImageNet weights into a width-64 encoder (the full
profile; the Messidor-2 weights of Yu et al. are not published).
"""
from __future__ import annotations

from typing import Iterable

import torch
from torch import nn
from torch.nn import functional as F

from . import register_model
from .mtl_unet import DoubleConv, UpBlock

LAYERS = (3, 4, 6, 3)  # ResNet-34


class BasicBlock(nn.Module):
    """ResNet basic block: (3x3 conv, BN, ReLU, 3x3 conv, BN) + identity or 1x1 projection."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)), inplace=True)
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)), inplace=True)


class ResNetEncoder(nn.Module):
    """ResNet-34 layout; returns the features at strides 2, 4, 8, 16 and 32."""

    def __init__(self, in_channels: int = 3, width: int = 64, layers: Iterable[int] = LAYERS) -> None:
        super().__init__()
        c = [width, width, 2 * width, 4 * width, 8 * width]
        self.channels = c
        self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for i, (n, cout) in enumerate(zip(layers, c[1:])):
            blocks = [BasicBlock(cin, cout, 1 if i == 0 else 2)] + [BasicBlock(cout, cout) for _ in range(n - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            cin = cout

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        f0 = F.relu(self.bn1(self.conv1(x)), inplace=True)
        f1 = self.layer1(F.max_pool2d(f0, 3, 2, 1))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        return [f0, f1, f2, f3, self.layer4(f3)]


@register_model("res34_unet")
class Res34UNet(nn.Module):
    """ResNet-34-encoder U-Net with OD and OC heads; ``forward`` returns ``{"od", "oc"}`` logits."""

    tasks = ("od", "oc")

    def __init__(self, in_channels: int = 3, width: int = 64) -> None:
        super().__init__()
        self.encoder = ResNetEncoder(in_channels, width)
        c = self.encoder.channels
        self.ups = nn.ModuleList([UpBlock(c[4] + c[3], c[3]), UpBlock(c[3] + c[2], c[2]),
                                  UpBlock(c[2] + c[1], c[1]), UpBlock(c[1] + c[0], c[0])])
        self.final = DoubleConv(c[0], c[0] // 2)
        self.heads = nn.ModuleDict({t: nn.Conv2d(c[0] // 2, 1, 1) for t in self.tasks})

    def forward(self, x: torch.Tensor, tasks: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        feats = self.encoder(x)
        y = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1])):
            y = up(y, skip)
        y = self.final(F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=True))
        return {t: self.heads[t](y) for t in (tasks or self.tasks) if t in self.heads}

    def shared_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if not n.startswith("heads.")]

    def task_parameters(self, task: str) -> list[nn.Parameter]:
        return self.shared_parameters() + list(self.heads[task].parameters())


def load_timm_resnet34(encoder: ResNetEncoder) -> int:
    """Copy timm's ImageNet ``resnet34`` weights into a width-64 encoder (downloads: full profile only)."""
    import timm

    if encoder.channels[0] != 64:
        raise ValueError("ImageNet ResNet-34 weights need width=64")
    src = timm.create_model("resnet34", pretrained=True).state_dict()
    own = encoder.state_dict()
    matched = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
    encoder.load_state_dict(matched, strict=False)
    return len(matched)


__all__ = ["BasicBlock", "Res34UNet", "ResNetEncoder", "load_timm_resnet34"]

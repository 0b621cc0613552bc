"""Compact U-Net for binary and multi-label segmentation.

Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for Biomedical Image
Segmentation", MICCAI 2015, LNCS 9351:234-241, arXiv:1505.04597.

From the paper: a contracting path of (3x3 conv, ReLU) x2 blocks with 2x2 max-pooling,
channels doubling at each level; an expanding path that upsamples, concatenates the skip
feature map of the same level and applies (3x3 conv, ReLU) x2; a 1x1 conv head.

Adapted (our choices, as in most modern re-implementations): "same" padding instead of
valid convolutions, so output size equals input size and no cropping is needed; batch
normalisation after each conv (``norm="batch"``; ``"group"``/``"instance"``/``"none"``
also offered); a configurable base ``width`` (paper: 64) and ``depth`` (paper: 4
poolings); bilinear upsampling followed by a 1x1 conv (``up="bilinear"``, default) or a
2x2 transposed conv (``up="transpose"``, the paper's "up-convolution"). The head returns
logits; apply a sigmoid (binary / multi-label) or softmax outside.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from . import register_model


def norm_layer(kind: str, channels: int) -> nn.Module:
    """Normalisation layer by name: ``batch``, ``group`` (8 groups or fewer), ``instance`` or ``none``."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose batch, group, instance or none")


class ConvBlock(nn.Sequential):
    """(3x3 conv - norm - ReLU) x 2, the U-Net's basic block."""

    def __init__(self, cin: int, cout: int, norm: str = "batch") -> None:
        bias = norm == "none"
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=bias), norm_layer(norm, cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=bias), norm_layer(norm, cout), nn.ReLU(inplace=True),
        )


class Up(nn.Module):
    """Upsample by 2, concatenate the skip connection, then a :class:`ConvBlock`."""

    def __init__(self, cin: int, cskip: int, cout: int, norm: str, mode: str) -> None:
        super().__init__()
        if mode == "bilinear":
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                    nn.Conv2d(cin, cout, 1))
        elif mode == "transpose":
            self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        else:
            raise ValueError(f"unknown up mode {mode!r}; choose bilinear or transpose")
        self.block = ConvBlock(cout + cskip, cout, norm)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        if x.shape[-2:] != skip.shape[-2:]:  # odd sizes: pad to the skip's size
            dh, dw = skip.shape[-2] - x.shape[-2], skip.shape[-1] - x.shape[-1]
            x = F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        return self.block(torch.cat([x, skip], dim=1))


@register_model("unet")
class UNet(nn.Module):
    """U-Net (Ronneberger et al. 2015) with ``depth`` poolings and base ``width`` channels.

    Input ``(N, in_channels, H, W)`` with H and W divisible by ``2**depth`` (other sizes
    work through padding in the decoder); output logits ``(N, out_channels, H, W)``.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 1, width: int = 16, depth: int = 4,
                 norm: str = "batch", up: str = "bilinear") -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        chans = [width * 2**i for i in range(depth + 1)]
        self.depth = depth
        self.stem = ConvBlock(in_channels, chans[0], norm)
        self.downs = nn.ModuleList(ConvBlock(chans[i], chans[i + 1], norm) for i in range(depth))
        self.ups = nn.ModuleList(Up(chans[i + 1], chans[i], chans[i], norm, up) for i in reversed(range(depth)))
        self.head = nn.Conv2d(chans[0], out_channels, 1)

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps of every level, finest first (the last is the bottleneck)."""
        feats = [self.stem(x)]
        for down in self.downs:
            feats.append(down(F.max_pool2d(feats[-1], 2)))
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.encode(x)
        y = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1])):
            y = up(y, skip)
        return self.head(y)

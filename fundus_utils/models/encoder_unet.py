"""U-Net on a timm encoder: a classification trunk's stages as the contracting path.

Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for Biomedical Image
Segmentation", MICCAI 2015, arXiv:1505.04597; the encoder-swapped form (a pretrained
classifier's stages as the contracting path, a light decoder on its skips) as in
segmentation_models.pytorch and fastai's ``DynamicUnet``.

From where:

* encoder: timm's ``features_only`` model of ``backbone`` (for a ResNet: the stem's activation
  and ``layer1..layer4``, strides 2-32). Its parameters carry the same names as the classifier
  trunk ``timm.create_model(backbone, num_classes=0)``, so :meth:`EncoderUNet.load_trunk` loads
  a trunk's state dict (e.g. an upstream-pretrained one) strictly, name for name;
* decoder: the house U-Net's :class:`~fundus_utils.models.unet.Up` blocks (bilinear upsampling,
  skip concatenation, (3x3 conv - BN - ReLU) x 2), ``max(decoder_width, skip channels)`` wide,
  then a last x2 upsampling and a 3x3 conv to full resolution and a 1x1 head (logits).
  fastai's ``DynamicUnet`` on the same narrow trunk has 1.7 M parameters and took 4.8 s per
  batch of 16 at 128 px on one CPU thread, five times the trunk: too slow for the CPU profiles;
* inputs are pictures in [0, 1], normalised inside with the encoder's ``pretrained_cfg`` mean
  and std, as :class:`~fundus_utils.models.foundation_resnet.FoundationResNet` does, so a trunk
  sees the inputs it was pretrained on.
"""
from __future__ import annotations

import timm
import torch
from torch import nn

from . import gap_resnet  # noqa: F401  (registers resnet_narrow in timm)
from . import register_model
from .unet import ConvBlock, Up


@register_model("encoder_unet")
class EncoderUNet(nn.Module):
    """U-Net whose contracting path is timm ``backbone``'s feature stages; ``(N, out_channels, H, W)`` logits."""

    def __init__(self, backbone: str = "resnet_narrow", out_channels: int = 1, decoder_width: int = 16,
                 pretrained: bool = False) -> None:
        super().__init__()
        self.encoder = timm.create_model(backbone, features_only=True, pretrained=pretrained)
        chans, strides = self.encoder.feature_info.channels(), self.encoder.feature_info.reduction()
        if any(b != 2 * a for a, b in zip(strides, strides[1:])):
            raise ValueError(f"{backbone}: feature strides {strides} do not halve stage by stage")
        ups, cin = [], chans[-1]
        for cskip in reversed(chans[:-1]):
            cout = max(decoder_width, cskip)
            ups.append(Up(cin, cskip, cout, "batch", "bilinear"))
            cin = cout
        self.ups = nn.ModuleList(ups)
        self.last = nn.Sequential(nn.Upsample(scale_factor=strides[0], mode="bilinear", align_corners=False),
                                  ConvBlock(cin, decoder_width))
        self.head = nn.Conv2d(decoder_width, out_channels, 1)
        cfg = self.encoder.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg["mean"], dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(cfg["std"], dtype=torch.float32).view(1, -1, 1, 1))

    def load_trunk(self, state: dict[str, torch.Tensor]) -> "EncoderUNet":
        """Load a classifier trunk's state dict (``num_classes=0``) into the encoder, every tensor by name."""
        self.encoder.load_state_dict(state, strict=True)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.encoder((x - self.mean) / self.std)
        y = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1])):
            y = up(y, skip)
        return self.head(self.last(y))

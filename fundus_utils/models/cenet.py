"""CE-Net: context encoder network for 2D medical image segmentation.

Gu Z., Cheng J., Fu H., Zhou K., Hao H., Zhao Y., Zhang T., Gao S., Liu J., "CE-Net:
Context Encoder Network for 2D Medical Image Segmentation", IEEE Transactions on Medical
Imaging 38(10):2281-2292 (2019), arXiv:1903.02740; authors' code
https://github.com/Guzaiwang/CE-Net (``networks/cenet.py``, class ``CE_Net_``). Zhao, Liu,
Zhang, Lei ("Deep Learning based for Fundus Analysis", REFUGE-style report, Sec. 2) use it
for joint optic disc / cup segmentation with a Dice loss and ImageNet initialisation.

From the papers
    * Encoder: ResNet-34 (ImageNet weights in the full profile) in place of U-Net's
      contracting path; four stages at strides 4, 8, 16, 32.
    * Context encoder on the stride-32 features: a dense atrous convolution (DAC) block,
      four cascaded branches of 3x3 atrous convolutions (rates 1; 3; 1-3; 1-3-5, i.e.
      receptive fields 3, 7, 9 and 19) each ending in a 1x1 convolution (except the first)
      and a ReLU, summed with the input (residual); then residual multi-kernel pooling
      (RMP): max-pooling with kernels 2, 3, 5 and 6, a 1x1 convolution to one channel
      after each, bilinear upsampling to the input size, concatenation with the input
      (C + 4 channels).
    * Decoder: per level a 1x1 convolution (C -> C/4), a 3x3 transposed convolution with
      stride 2, a 1x1 convolution to the next level's channels (each with BN + ReLU);
      skip connections are *added* (not concatenated) to the encoder feature of the
      same stride. A final 4x4 transposed convolution (stride 2) and two 3x3
      convolutions give full-resolution logits.
From the authors' code
    * The DAC branches share their convolutions (one 3x3 conv per rate and one 1x1
      conv used by branches 2-4); convolution biases start at zero; the RMP's four
      levels share one 1x1 convolution; final layers have 32 channels.
Our adaptations
    * The encoder is timm's ``resnet34`` (``features_only=True``); the full profile loads
      torchvision's ImageNet weights, as the authors' code does, through timm's
      ``resnet34.tv_in1k`` tag (timm's untagged default, ``a1_in1k``, is another recipe);
      ``width`` scales the
      stage widths (64 = ResNet-34, required for ImageNet weights) so the smoke profile
      can run a narrow copy; timm keeps the 64-channel stem at any width.
    * RMP pooling kernels larger than the feature map (inputs below 192 px) are clipped
      to the map size, so small inputs work (the original needs at least 6x6 features).
    * The network returns logits (one channel per class: OD and OC here); the sigmoid
      is applied by the loss / at inference (the code ends in a sigmoid).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from . import register_model


def _conv_bn_relu(cin: int, cout: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=kernel // 2), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DACBlock(nn.Module):
    """Dense atrous convolution: four cascaded atrous branches summed with the input (same shape out)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.dilate1 = nn.Conv2d(channels, channels, 3, dilation=1, padding=1)
        self.dilate3 = nn.Conv2d(channels, channels, 3, dilation=3, padding=3)
        self.dilate5 = nn.Conv2d(channels, channels, 3, dilation=5, padding=5)
        self.conv1x1 = nn.Conv2d(channels, channels, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d1 = self.dilate1(x)
        d13 = self.dilate3(d1)
        b1 = F.relu(d1)                                      # receptive field 3
        b2 = F.relu(self.conv1x1(self.dilate3(x)))           # 7
        b3 = F.relu(self.conv1x1(d13))                       # 9
        b4 = F.relu(self.conv1x1(self.dilate5(d13)))         # 19
        return x + b1 + b2 + b3 + b4


class RMPBlock(nn.Module):
    """Residual multi-kernel pooling: input concatenated with 4 pooled, 1x1-reduced, upsampled maps (C + 4 channels)."""

    kernels = (2, 3, 5, 6)

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1)
        self.out_channels = channels + len(self.kernels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        levels = []
        for k in self.kernels:
            k = max(1, min(k, h, w))  # clip to the map (small inputs), see module docstring
            pooled = F.max_pool2d(x, kernel_size=k, stride=k)
            levels.append(F.interpolate(self.conv(pooled), size=(h, w), mode="bilinear", align_corners=False))
        return torch.cat([*levels, x], dim=1)


class DecoderBlock(nn.Sequential):
    """1x1 conv (C -> C/4) - 3x3 transposed conv, stride 2 - 1x1 conv (-> ``cout``), each with BN + ReLU."""

    def __init__(self, cin: int, cout: int) -> None:
        mid = max(1, cin // 4)
        super().__init__(
            _conv_bn_relu(cin, mid, 1),
            nn.ConvTranspose2d(mid, mid, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            _conv_bn_relu(mid, cout, 1),
        )


@register_model("cenet")
class CENet(nn.Module):
    """CE-Net (Gu et al. 2019): ResNet-34 encoder, DAC + RMP context encoder, additive-skip decoder.

    Input ``(N, in_channels, H, W)`` with H and W divisible by 32; output logits
    ``(N, out_channels, H, W)`` (OD and OC by default). ``width=64`` is ResNet-34; with
    ``pretrained=True`` the ImageNet weights of ``encoder`` (a timm name with tag, e.g.
    ``resnet34.tv_in1k``, torchvision's) are loaded (downloads; full profile only).
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 2, width: int = 64, pretrained: bool = False,
                 encoder: str = "resnet34") -> None:
        super().__init__()
        import timm

        if pretrained and width != 64:
            raise ValueError(f"ImageNet weights need width=64, got width={width}")
        chans = (width, 2 * width, 4 * width, 8 * width)
        kwargs = {} if width == 64 else {"channels": chans}
        self.encoder = timm.create_model(encoder, features_only=True, out_indices=(1, 2, 3, 4), pretrained=pretrained,
                                         in_chans=in_channels, **kwargs)
        c = list(self.encoder.feature_info.channels())
        self.dac = DACBlock(c[3])
        self.rmp = RMPBlock(c[3])
        self.decoder = nn.ModuleList([DecoderBlock(self.rmp.out_channels, c[2]), DecoderBlock(c[2], c[1]),
                                      DecoderBlock(c[1], c[0]), DecoderBlock(c[0], c[0])])
        final = max(8, c[0] // 2)  # code: 32 channels at width 64
        self.head = nn.Sequential(
            nn.ConvTranspose2d(c[0], final, 4, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(final, final, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(final, out_channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 32 or w % 32:
            raise ValueError(f"CENet needs input height and width divisible by 32, got {h}x{w}")
        e1, e2, e3, e4 = self.encoder(x)
        y = self.rmp(self.dac(e4))
        y = self.decoder[0](y) + e3
        y = self.decoder[1](y) + e2
        y = self.decoder[2](y) + e1
        y = self.decoder[3](y)
        return self.head(y)

    def block_parameters(self) -> dict[str, int]:
        """Parameter counts per block: encoder, DAC, RMP, decoder (incl. the final layers)."""
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        return {"encoder (ResNet-34)": count(self.encoder), "DAC": count(self.dac), "RMP": count(self.rmp),
                "decoder": count(self.decoder) + count(self.head)}


__all__ = ["CENet", "DACBlock", "DecoderBlock", "RMPBlock"]

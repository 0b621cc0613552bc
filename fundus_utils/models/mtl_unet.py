"""Multi-task U-Net with a VGG encoder (MTL-IO backbone): OD, OC, fovea heatmap, glaucoma.

Pascal L., Perdomo O. J., Bost X., Huet B., Otálora S., Zuluaga M. A., "Multi-task deep
learning for glaucoma detection from color fundus images", Scientific Reports 12:12361
(2022), doi:10.1038/s41598-022-16262-8, Methods "Multitask deep learning architecture" and
Fig. 5; authors' code https://github.com/robustml-eurecom/glaucoma_mtl (``models/unet.py``,
``models/unet_parts.py``), itself derived from the widely used Pytorch-UNet.

From the paper
    A U-Net (Ronneberger et al. 2015) with a VGG structure and skip connections; one shared
    decoder; the OD and OC masks and the fovea map each come from their own output
    convolution after the shared decoder; the glaucoma prediction comes from a fully
    connected layer branched after the encoder; Kaiming-uniform initialisation (PyTorch's
    default for convolutions and linear layers, which we keep).
From the authors' code (the paper is silent or says otherwise)
    * The encoder is the VGG-13 layout, two 3x3 conv-BN-ReLU per level with
      64-128-256-512-512 channels (the paper says VGG-16); its ImageNet initialisation loads
      ``vgg13_bn`` weights by position (:func:`load_vgg_encoder`).
    * Decoder: bilinear upsampling, concatenation with the skip, then a double conv whose
      middle width is half its input (``Up(bilinear=True)``); 1x1 output convs.
    * Glaucoma head: global max pooling of the bottleneck, dropout p = 0.8, one linear unit.
    * Every head ends in a sigmoid (here: the heads return logits and the losses apply the
      sigmoid, which is numerically safer and the same function).
    * Parameter count: width 64 gives 17.3 M parameters for the MTL network; the paper's
      STL total of 61.2 M is three full U-Nets (OD, OC, fovea) plus one encoder with the FC
      head (glaucoma), which is what :func:`stl_parameter_count` adds up.
Our reading / adaptations
    * ``width`` scales all channels (64 = paper) so that the smoke profile can use a narrow
      network; ``tasks`` selects the heads, so one class builds both the MTL network and each
      single-task (STL) network (a glaucoma-only network has no decoder at all).
    * BatchNorm: ``bn_batch_stats=True`` is the code's ``track_running_stats=False`` (batch
      statistics in training and at test time, where the code predicts one image per batch;
      :func:`use_batch_statistics`); the default keeps running statistics (our choice for
      the small-batch CPU profiles, whose test batches would otherwise depend on batching).
    * ``forward(x, tasks=...)`` computes only what the requested tasks need (the encoder
      alone for glaucoma), as the code's ``forward(x, task=k)`` does; MTL-IO uses it for its
      per-task passes.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from . import register_model

TASKS = ("glaucoma", "od", "oc", "fovea")  # the authors' task order (classif, od, oc, fov)
SEG_TASKS = ("od", "oc", "fovea")          # tasks read from the shared decoder


class ConvBNReLU(nn.Sequential):
    """3x3 conv - BatchNorm - ReLU (the code's ``ConvLayer``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DoubleConv(nn.Sequential):
    """Two :class:`ConvBNReLU`; ``mid`` channels in between (default ``cout``)."""

    def __init__(self, cin: int, cout: int, mid: int | None = None) -> None:
        mid = mid or cout
        super().__init__(ConvBNReLU(cin, mid), ConvBNReLU(mid, cout))


class UpBlock(nn.Module):
    """Bilinear x2 upsampling, concatenation with the skip, then a :class:`DoubleConv`."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = DoubleConv(cin, cout, mid=cin // 2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=True)
        return self.conv(torch.cat([skip, x], dim=1))


class GlaucomaHead(nn.Module):
    """Global max pooling of the bottleneck, dropout, one linear unit: a glaucoma logit per image."""

    def __init__(self, cin: int, dropout: float = 0.8) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.amax(x, dim=(-2, -1)))).squeeze(1)


class VGGEncoder(nn.Module):
    """Five levels of :class:`DoubleConv` (VGG-13 layout), max pooling between levels."""

    def __init__(self, in_channels: int = 3, width: int = 64) -> None:
        super().__init__()
        c = [width, 2 * width, 4 * width, 8 * width, 8 * width]
        self.channels = c
        self.levels = nn.ModuleList([DoubleConv(in_channels, c[0])] +
                                    [DoubleConv(c[i], c[i + 1]) for i in range(4)])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = [self.levels[0](x)]
        for level in self.levels[1:]:
            feats.append(level(F.max_pool2d(feats[-1], 2)))
        return feats


class Decoder(nn.Module):
    """The shared U-Net decoder: four :class:`UpBlock` back to full resolution, ``width`` channels."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        w = width
        self.ups = nn.ModuleList([UpBlock(16 * w, 4 * w), UpBlock(8 * w, 2 * w), UpBlock(4 * w, w), UpBlock(2 * w, w)])

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        y = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1])):
            y = up(y, skip)
        return y


@register_model("mtl_unet")
class MTLUNet(nn.Module):
    """VGG-encoder U-Net with one head per task (see the module docstring for sources).

    ``tasks``: any of ``glaucoma``, ``od``, ``oc``, ``fovea`` (default: all four). Output of
    ``forward``: a dict task -> logits, ``(N,)`` for glaucoma and ``(N, 1, H, W)`` for the
    others. H and W should be multiples of 16.
    """

    def __init__(self, tasks: Iterable[str] = TASKS, in_channels: int = 3, width: int = 64,
                 dropout: float = 0.8, bn_batch_stats: bool = False) -> None:
        super().__init__()
        self.tasks = tuple(t for t in TASKS if t in set(tasks))
        unknown = set(tasks) - set(TASKS)
        if unknown or not self.tasks:
            raise ValueError(f"tasks must be a non-empty subset of {TASKS}; got {tuple(tasks)}")
        self.width = width
        self.encoder = VGGEncoder(in_channels, width)
        self.decoder = Decoder(width) if any(t in SEG_TASKS for t in self.tasks) else None
        self.heads = nn.ModuleDict()
        for t in self.tasks:
            self.heads[t] = GlaucomaHead(8 * width, dropout) if t == "glaucoma" else nn.Conv2d(width, 1, 1)
        self.bn_batch_stats = bn_batch_stats
        if bn_batch_stats:
            use_batch_statistics(self)

    def forward(self, x: torch.Tensor, tasks: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = self.tasks if tasks is None else tuple(tasks)
        feats = self.encoder(x)
        out = {}
        if "glaucoma" in tasks:
            out["glaucoma"] = self.heads["glaucoma"](feats[-1])
        if any(t in SEG_TASKS for t in tasks):
            y = self.decoder(feats)
            for t in tasks:
                if t in SEG_TASKS:
                    out[t] = self.heads[t](y)
        return out

    # ---- parameter groups used by the optimisation schemes -------------------------------
    def shared_parameters(self) -> list[nn.Parameter]:
        """Encoder and (if any) decoder parameters: what the tasks share."""
        mods = [self.encoder] + ([self.decoder] if self.decoder is not None else [])
        return [p for m in mods for p in m.parameters()]

    def task_parameters(self, task: str) -> list[nn.Parameter]:
        """Every parameter the loss of ``task`` depends on (encoder, decoder if used, its head)."""
        used = [self.encoder] + ([self.decoder] if task in SEG_TASKS else []) + [self.heads[task]]
        return [p for m in used for p in m.parameters()]

    def last_shared_layer(self) -> nn.Parameter:
        """Weight of the last layer every task goes through: the encoder's last conv (GradNorm's W)."""
        return self.encoder.levels[-1][-1][0].weight


def use_batch_statistics(model: nn.Module) -> nn.Module:
    """Make every BatchNorm of ``model`` normalise with the batch's statistics, also in eval mode.

    The authors' ``ConvLayer`` builds ``BatchNorm2d(track_running_stats=False)``: no running
    mean/variance exist, so test batches are normalised by their own statistics (the code
    tests with batch size 1, i.e. per image). Returns ``model`` (changed in place).
    """
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def stl_parameter_count(tasks: Iterable[str] = TASKS, **kwargs) -> int:
    """Summed parameters of one single-task network per task (the paper's STL #P)."""
    return sum(count_parameters(MTLUNet(tasks=[t], **kwargs)) for t in tasks)


def encoder_convs(encoder: VGGEncoder) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """The encoder's (conv, BN) pairs in order, as a VGG ``features`` stack lists them."""
    return [(layer[0], layer[1]) for level in encoder.levels for layer in level]


def load_vgg_encoder(encoder: VGGEncoder, vgg: nn.Module) -> int:
    """Copy the conv/BN weights of a VGG-13-BN ``features`` stack into ``encoder`` by position.

    As the authors' code does (``UNet.initialize`` with ``--pretrained``): layers are paired
    in order and a tensor is copied where the shapes agree. Running BN statistics are not
    copied (the code drops them too). Returns the number of tensors copied.
    """
    src = [(m, n) for m, n in zip([m for m in vgg.features if isinstance(m, nn.Conv2d)],
                                   [m for m in vgg.features if isinstance(m, nn.BatchNorm2d)])]
    copied = 0
    with torch.no_grad():
        for (conv, bn), (sconv, sbn) in zip(encoder_convs(encoder), src):
            for dst, s in ((conv.weight, sconv.weight), (conv.bias, sconv.bias), (bn.weight, sbn.weight),
                           (bn.bias, sbn.bias)):
                if dst is not None and s is not None and dst.shape == s.shape:
                    dst.copy_(s)
                    copied += 1
    return copied


def imagenet_vgg_encoder(encoder: VGGEncoder) -> int:
    """Load timm's ImageNet ``vgg13_bn`` weights into ``encoder`` (downloads: full profile only)."""
    import timm

    if encoder.channels[0] != 64:
        raise ValueError("ImageNet VGG weights need width=64 (the paper's network)")
    vgg = timm.create_model("vgg13_bn", pretrained=True)
    return load_vgg_encoder(encoder, vgg)


__all__ = ["MTLUNet", "SEG_TASKS", "TASKS", "VGGEncoder", "count_parameters", "imagenet_vgg_encoder",
           "load_vgg_encoder", "stl_parameter_count", "use_batch_statistics"]

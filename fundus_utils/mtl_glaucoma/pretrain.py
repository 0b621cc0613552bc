"""Encoder initialisation for the transfer-learning experiments (Tables 2 and 4).

The paper initialises the U-Net's encoder with ImageNet weights of a VGG network (the
code loads torchvision's ``vgg13_bn``; the decoder starts from scratch), and the Res34-Unet
baseline with a ResNet-34 encoder pre-trained on Messidor-2 (weights not published). The
``full`` profile loads timm's ImageNet ``vgg13_bn`` and ``resnet34`` weights (a download).

Nothing may be downloaded in tests or in the smoke profile, so ``smoke`` and ``real`` use a
**clearly labelled stand-in** ("synthetic-texture pretraining"): the same encoder is
first trained to classify procedurally drawn, non-fundus pictures - patches of stripes
of random period and colours on noisy, randomly tinted backgrounds - by the stripes'
orientation (0, 45, 90, 135 degrees), then its weights initialise the encoder exactly
where ImageNet weights would. Like ImageNet it is a generic, non-fundus classification task; it
exercises the transfer code path, not ImageNet's benefit. The pretrained weights are
cached on disk per (architecture, width, settings).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

from ..data.textures import ORIENTATIONS, synthetic_textures
from ..models.mtl_unet import VGGEncoder, imagenet_vgg_encoder
from ..models.res_unet import ResNetEncoder, load_timm_resnet34
from ..parallel import in_parallel
from ..seed import seed_everything
from ..train import make_learner, result_cache, tensor_dls
from .cv import cache_path

class _Classifier(nn.Module):
    """Encoder + global average pooling + linear layer, for the stand-in pretraining task."""

    def __init__(self, encoder: nn.Module, channels: int, n_classes: int) -> None:
        super().__init__()
        self.encoder, self.fc = encoder, nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.encoder(x)[-1].mean(dim=(-2, -1)))


def _new_encoder(arch: str, cfg) -> nn.Module:
    if arch == "mtl_unet":
        return VGGEncoder(3, cfg.width)
    return ResNetEncoder(3, cfg.resunet_width)


def pretrain_standin(arch: str, cfg) -> dict[str, torch.Tensor]:
    """Encoder weights after the synthetic-texture orientation task (cached on disk).

    ``cfg.pretrain``: ``n`` pictures of ``size`` px (square; convolution weights do not
    depend on the picture size; ``resnet_size`` for the ResNet encoder, whose stride-4 stem
    needs bigger pictures to see the stripes), ``epochs``, ``lr``, ``bs``.
    """
    settings = dict(cfg.pretrain)
    side = settings.get("resnet_size", settings["size"]) if arch == "res34_unet" else settings["size"]
    size = (side, side)
    seed = settings.get("seed", 0) + 1000 * int(cfg.seed)  # the notebook's seed override reaches pretraining too

    def compute():
        seed_everything(seed)
        x, y = synthetic_textures(settings["n"], size, seed=seed)
        xv, yv = synthetic_textures(max(settings["n"] // 8, 8), size, seed=seed + 1)
        enc = _new_encoder(arch, cfg)
        model = _Classifier(enc, enc.channels[-1], len(ORIENTATIONS))
        dls = tensor_dls(x, y, xv, yv, bs=settings["bs"], device=cfg.device, drop_last=True)
        learn = make_learner(dls, model, nn.CrossEntropyLoss(), cfg, lr=settings["lr"], progress=False,
                             metrics=[lambda p, t: (p.argmax(1) == t).float().mean()])
        learn.fit_one_cycle(settings["epochs"], settings["lr"])
        acc = float(learn.recorder.values[-1][-1])
        return {"state": {k: v.detach().cpu() for k, v in enc.state_dict().items()}, "accuracy": acc}

    return result_cache.cached(standin_path(arch, cfg), compute)


def standin_path(arch: str, cfg) -> Path:
    """The result-cache entry of :func:`pretrain_standin` (architecture, width, ``cfg.pretrain``)."""
    return cache_path(cfg, "pretrain", {"what": "standin", "arch": arch,
                                        "width": cfg.width if arch == "mtl_unet" else cfg.resunet_width,
                                        **dict(cfg.pretrain)})


def encoder_init(cfg, arch: str = "mtl_unet") -> tuple[str, Callable | None]:
    """``(name, init_fn)`` for the profile's transfer learning: ImageNet (full) or the stand-in.

    ``init_fn(model)`` loads the pretrained weights into ``model.encoder``; the decoder and
    heads keep their fresh initialisation, as in the paper.
    """
    if cfg.pretrain == "imagenet":
        loader = imagenet_vgg_encoder if arch == "mtl_unet" else load_timm_resnet34
        return "imagenet", lambda model: loader(model.encoder)
    state = pretrain_standin(arch, cfg)["state"]

    def init(model: nn.Module) -> None:
        own = model.encoder.state_dict()  # batch-statistics BatchNorm has no running buffers to load
        model.encoder.load_state_dict({k: v for k, v in state.items() if k in own})

    return "standin-textures", init


def encoder_inits(cfg, archs: Sequence[str]) -> dict[str, tuple[str, Callable | None]]:
    """:func:`encoder_init` for each of ``archs``; stand-in pretrainings run side by side
    (``cfg.parallel_runs`` workers; each is seeded, so the weights do not depend on it)."""
    if cfg.pretrain != "imagenet":
        missing = [arch for arch in archs if not standin_path(arch, cfg).is_file()]  # workers only for these
        in_parallel(lambda arch: pretrain_standin(arch, cfg)["accuracy"], missing, cfg.parallel_runs)  # fills the cache
    return {arch: encoder_init(cfg, arch) for arch in archs}


def standin_accuracy(cfg, arch: str = "mtl_unet") -> float:
    """Validation accuracy of the stand-in pretraining (four orientation classes; chance 0.25)."""
    return pretrain_standin(arch, cfg)["accuracy"]


__all__ = ["ORIENTATIONS", "encoder_init", "encoder_inits", "pretrain_standin", "standin_accuracy", "synthetic_textures"]

"""ResNet classifiers of the disease-specific fundus foundation models (Jang et al. 2024).

Paper: Jang, Ahn, Choe, Yoon, Choi, Kim, "Development of a disease-specific foundation model
for fundus images", arXiv 2408.08790 (2024) (``../shared/papers/fundus_foundation.txt``).
Upstream, a ResNet50 learns normal vs abnormal on about 114 000 fundus pictures; downstream,
its trunk is reused under linear probing (only the head trains) or full fine-tuning.

From where:

* trunk: timm's ResNet (``resnet50``; ImageNet weights through timm's ``resnet50.tv_in1k`` in
  ``full``, torchvision's, which the authors' PyTorch code used), built with ``num_classes=0``
  so that it returns the globally average-pooled 2048-vector; ``resnet_narrow``
  (:mod:`.gap_resnet`) for CPU smoke runs;
* head: the one of the authors' released code (Research-Foundation-Retina, as issue 15
  describes it): ``Linear(features, 512) -> BatchNorm1d -> ReLU -> Linear(512, classes)``;
* linear probing (:meth:`FoundationResNet.linear_probe`): the trunk's weights are frozen and
  its BatchNorm layers stay in eval mode (running statistics untouched), as a probe must not
  change the representation it measures; only the head trains.

The authors' released checkpoints are whole pickled modules. They are never unpickled by the
book's code paths: :func:`convert_authors_checkpoint` is the one-off, explicit, opt-in step that
turns such a file (from a source the user trusts) into a tensors-only state dict, which
:func:`load_trunk` then reads with ``weights_only=True``.
"""
from __future__ import annotations

from pathlib import Path

import timm
import torch
from torch import nn

from . import gap_resnet  # noqa: F401  (registers resnet_narrow in timm)
from . import register_model

HIDDEN = 512  # the authors' head width


def authors_head(features: int, num_classes: int, hidden: int = HIDDEN) -> nn.Sequential:
    """The authors' head: ``Linear(features, hidden) -> BatchNorm1d -> ReLU -> Linear(hidden, num_classes)``."""
    return nn.Sequential(nn.Linear(features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                         nn.Linear(hidden, num_classes))


class FoundationResNet(nn.Module):
    """timm ResNet trunk -> global average pooling -> the authors' two-layer head: ``N x num_classes`` logits.

    Inputs are pictures in [0, 1]; the network normalises them with its trunk's
    ``pretrained_cfg`` mean and std, so augmentations and CAMs handle plain pictures.
    """

    def __init__(self, backbone: str = "resnet50", num_classes: int = 2, pretrained: bool = False,
                 hidden: int = HIDDEN, in_chans: int = 3) -> None:
        super().__init__()
        self.backbone_name = backbone
        self.trunk = timm.create_model(backbone, pretrained=pretrained, num_classes=0, in_chans=in_chans)
        self.feature_dim = int(self.trunk.num_features)
        self.head = authors_head(self.feature_dim, num_classes, hidden)
        cfg = self.trunk.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg["mean"], dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(cfg["std"], dtype=torch.float32).view(1, -1, 1, 1))
        self.frozen = False

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled trunk vector fed to the head, ``N x feature_dim`` (``x`` in [0, 1])."""
        return self.trunk((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def linear_probe(self, frozen: bool = True) -> "FoundationResNet":
        """Freeze (or unfreeze) the trunk: no gradients, BatchNorm statistics fixed (eval mode)."""
        self.frozen = frozen
        for p in self.trunk.parameters():
            p.requires_grad_(not frozen)
        return self.train(self.training)

    def train(self, mode: bool = True) -> "FoundationResNet":
        super().train(mode)
        if self.frozen:
            self.trunk.eval()  # a probe never updates the trunk's running statistics
        return self

    def new_head(self, num_classes: int) -> "FoundationResNet":
        """Replace the head (same shape as the authors') for a downstream task of ``num_classes`` outputs."""
        self.head = authors_head(self.feature_dim, num_classes, self.head[0].out_features).to(self.mean.device)
        return self

    def trunk_state(self) -> dict[str, torch.Tensor]:
        """The trunk's weights, detached on the CPU (what an upstream checkpoint holds)."""
        return {k: v.detach().cpu().clone() for k, v in self.trunk.state_dict().items()}

    def cam_layer(self) -> nn.Module:
        """The layer CAM methods weight: the last block of ``layer4``."""
        return self.trunk.layer4[-1]


@register_model("foundation_resnet")
def foundation_resnet(backbone: str = "resnet50", num_classes: int = 2, pretrained: bool = False,
                      hidden: int = HIDDEN, in_chans: int = 3) -> FoundationResNet:
    """``create_model("foundation_resnet", backbone="resnet50.tv_in1k", pretrained=True)``."""
    return FoundationResNet(backbone, num_classes, pretrained, hidden, in_chans)


def load_trunk(model: FoundationResNet, path: str | Path) -> FoundationResNet:
    """Load a tensors-only trunk state dict (``torch.save`` of :meth:`~FoundationResNet.trunk_state`, or the
    output of :func:`convert_authors_checkpoint`) into ``model``'s trunk, strictly, with ``weights_only=True``."""
    path = Path(path)
    state = torch.load(path, map_location="cpu", weights_only=True)
    expected = model.trunk.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    misshapen = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or misshapen:
        raise ValueError(f"{path}: not a trunk of {model.backbone_name!r}: {len(missing)} keys missing "
                         f"{missing[:3]}, {len(unexpected)} unexpected {unexpected[:3]}, {len(misshapen)} of "
                         f"another shape {misshapen[:3]}")
    model.trunk.load_state_dict(state)
    return model


def convert_authors_checkpoint(source: str | Path, target: str | Path, *, trust_pickle: bool = False) -> Path:
    """One-off, opt-in: turn the authors' pickled ResNet50 (a whole module) into a tensors-only trunk state dict.

    Unpickling runs code from the file, so it happens only with ``trust_pickle=True``, for a file
    the user downloaded from the authors' page and trusts. The trunk keys (torchvision's ResNet
    layout, which timm's ResNet shares) are kept; the classifier (``fc.*``) is dropped, as every
    downstream protocol replaces the head. The result is checked against timm's ``resnet50``.
    """
    if not trust_pickle:
        raise PermissionError(f"{source}: the authors' checkpoints are pickled modules; unpickling runs code from "
                              "the file. Call convert_authors_checkpoint(..., trust_pickle=True) once for a file you "
                              "trust, then load the converted state dict (weights_only=True).")
    loaded = torch.load(Path(source), map_location="cpu", weights_only=False)
    state = loaded.state_dict() if isinstance(loaded, nn.Module) else loaded
    if not isinstance(state, dict):
        raise ValueError(f"{source}: expected a module or a state dict, found {type(loaded).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}  # DataParallel wrappers
    trunk = {k: v.detach().cpu().clone() for k, v in state.items() if not k.startswith("fc.")}
    reference = timm.create_model("resnet50", pretrained=False, num_classes=0).state_dict()
    missing, unexpected = set(reference) - set(trunk), set(trunk) - set(reference)
    if missing or unexpected:
        raise ValueError(f"{source}: not a torchvision/timm ResNet50: missing {sorted(missing)[:5]}, "
                         f"unexpected {sorted(unexpected)[:5]}")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(trunk, target)
    return target

"""Model registry: create any model of the book by name, as timm does.

Each model family lives in one module whose docstring cites its paper. A family
registers a factory with :func:`register_model`; notebooks call
``create_model("unet", out_channels=2)``.

>>> from fundus_utils.models import create_model
>>> net = create_model("unet", in_channels=3, out_channels=1, width=8, depth=3)
"""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

_REGISTRY: dict[str, Callable[..., nn.Module]] = {}
# Families whose module imports timm (about 2 s): imported, and so registered, on first use.
_LAZY = {"gap_resnet": "gap_resnet", "gap_classifier": "gap_classifier", "foundation_resnet": "foundation_resnet",
         "encoder_unet": "encoder_unet"}


def register_model(name: str | None = None) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator registering a model class or factory under ``name`` (default: lower-cased ``__name__``)."""

    def deco(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = (name or fn.__name__).lower()
        if key in _REGISTRY and _REGISTRY[key] is not fn:
            raise ValueError(f"model {key!r} is already registered by {_REGISTRY[key]!r}")
        _REGISTRY[key] = fn
        return fn

    return deco


def list_models() -> list[str]:
    """Names accepted by :func:`create_model`."""
    return sorted(set(_REGISTRY) | set(_LAZY))


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """Instantiate the registered model ``name`` with ``kwargs``."""
    key = name.lower()
    if key not in _REGISTRY and key in _LAZY:
        import importlib

        importlib.import_module(f"{__name__}.{_LAZY[key]}")
    if key not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered: {list_models()}")
    return _REGISTRY[key](**kwargs)


from . import unet  # noqa: E402,F401  (registers "unet")
from . import mtl_unet  # noqa: E402,F401  (registers "mtl_unet": the MTL-IO paper's VGG U-Net)
from . import res_unet  # noqa: E402,F401  (registers "res34_unet": the MTL-IO paper's Table 2 baseline)
from . import cenet  # noqa: E402,F401  (registers "cenet": CE-Net, Gu et al. 2019; refuge_ensemble)
from .unet import UNet  # noqa: E402

__all__ = ["UNet", "create_model", "list_models", "register_model"]

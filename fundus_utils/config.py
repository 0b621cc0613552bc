"""Profiles and settings: how a notebook gets its run's settings.

Each chapter writes its settings once, in ``fundus_utils/<chapter>/settings.py``: ``FULL``
(the paper's settings: the base), and ``REAL`` and ``SMOKE``, what those profiles change;
nested groups (a twin, a locator, one group per sub-experiment) merge key by key. Every
notebook has a ``parameters`` cell with ``profile = "smoke"`` and ``overrides = {}`` and
calls ``config.load(chapter, profile, **overrides)``; everything else derives from the
returned :class:`Config`, so papermill (``-p overrides '{"seg.epochs": 3}'``) or the runner
(``--set seg.epochs=3``) reaches every setting. Unknown keys are refused.

Profiles
--------
``smoke``  synthetic twins, small images, tiny models and few epochs, CPU. What
           CI, nbval and ``make book`` run. Numbers are not the paper's.
``real``   the real datasets under ``$FUNDUS_DATA`` at low resolution on CPU, so
           methods can be checked on real images without a GPU (tens of minutes).
``full``   the paper's stated settings on real data, GPU with AMP.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILES = ("smoke", "real", "full")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Config:
    """Resolved settings of one notebook run (chapter x profile)."""

    chapter: str
    profile: str
    device: str
    data_root: Path | None
    cache_dir: Path
    results_dir: Path
    num_workers: int
    amp: bool
    channels_last: bool
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # The chapter's settings read as attributes: cfg.image_size, cfg.seg.epochs, ...
        settings = self.__dict__.get("settings")
        if settings is None:  # half-built (e.g. while unpickling in a worker process)
            raise AttributeError(name)
        if name in settings:
            return settings[name]
        raise AttributeError(f"{self.chapter}/{self.profile} has no setting {name!r}; known: {sorted(settings)}")

    @property
    def uses_real_data(self) -> bool:
        return self.profile in ("real", "full")


CHAPTERS_DIR = Path(__file__).resolve().parent


class Settings(dict):
    """A chapter's settings: a dict whose keys also read as attributes (``cfg.seg.epochs``)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        raise AttributeError(f"no setting {name!r}; known: {sorted(self)}")

    def __deepcopy__(self, memo: dict) -> "Settings":
        return Settings({k: copy.deepcopy(v, memo) for k, v in self.items()})


def _settings(value: Any) -> Any:
    return Settings({k: _settings(v) for k, v in value.items()}) if isinstance(value, dict) else value


def merge(base: dict, changes: dict) -> dict:
    """``base`` updated by ``changes``: a dict value merges into a dict value key by key, any other replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def chapters() -> list[str]:
    """Chapters with settings: the packages ``fundus_utils/<chapter>/`` holding a ``settings.py``."""
    return sorted(p.parent.name for p in CHAPTERS_DIR.glob("*/settings.py"))


def profile_settings(chapter: str, profile: str) -> dict:
    """The chapter's settings under ``profile``: its ``FULL`` merged with ``SMOKE`` / ``REAL``.

    The settings file is read on its own (not through the chapter package, whose import pulls
    in torch): it must define ``FULL``, ``REAL`` and ``SMOKE`` and import nothing heavy.
    """
    import importlib.util

    path = CHAPTERS_DIR / chapter / "settings.py"
    if not path.is_file():
        raise ValueError(f"unknown chapter {chapter!r} (no {path.relative_to(REPO_ROOT)}); known: {chapters()}")
    spec = importlib.util.spec_from_file_location(f"_fundus_settings_{chapter}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    full = module.FULL
    diff = {"full": {}, "real": module.REAL, "smoke": module.SMOKE}[profile]
    _check_keys(full, diff, f"{path.relative_to(REPO_ROOT)}: {profile.upper()}")
    return merge(full, diff)


def _known(settings: dict, prefix: str = "") -> list[str]:
    """Every dotted key of ``settings`` (groups and their leaves)."""
    keys = []
    for k, v in settings.items():
        keys.append(prefix + k)
        if isinstance(v, dict):
            keys += _known(v, f"{prefix}{k}.")
    return keys


def _check_keys(base: dict, changes: dict, where: str, prefix: str = "") -> None:
    """Refuse keys of ``changes`` that ``base`` does not have (a typo would otherwise be ignored)."""
    for key, value in changes.items():
        if key not in base:
            raise ValueError(f"{where}: unknown setting {prefix + key!r}; known: {_known(base)}")
        if isinstance(value, dict) and isinstance(base[key], dict) and base[key]:
            _check_keys(base[key], value, where, f"{prefix}{key}.")


def apply_overrides(settings: dict, overrides: dict, where: str) -> dict:
    """``settings`` with ``overrides``: dotted keys (``"seg.epochs": 3``) set one leaf, a dict merges."""
    out = copy.deepcopy(settings)
    for key, value in overrides.items():
        *groups, leaf = key.split(".")
        node = out
        for i, g in enumerate(groups):
            if not isinstance(node.get(g), dict):
                raise ValueError(f"{where}: cannot set {key!r}: {'.'.join(groups[:i + 1])!r} is not a group "
                                 f"of settings here; known: {_known(settings)}")
            node = node[g]
        if leaf not in node:
            raise ValueError(f"{where}: unknown setting {key!r}; known: {_known(settings)}")
        if isinstance(value, dict) and isinstance(node[leaf], dict):
            _check_keys(node[leaf], value, where, f"{key}.")
            node[leaf] = merge(node[leaf], value)
        else:
            node[leaf] = copy.deepcopy(value)
    return out


def find_data_root() -> Path | None:
    """Where real datasets live: ``$FUNDUS_DATA``, else ``../shared/data`` beside the repo."""
    env = os.environ.get("FUNDUS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    shared = REPO_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else None


def data_root_label(root: Path | None = None) -> str:
    """The data root as a reader of the book should see it: ``$FUNDUS_DATA`` or
    ``../shared/data``, never this machine's absolute path."""
    root = find_data_root() if root is None else Path(root)
    if root is None:
        return "no data root ($FUNDUS_DATA unset, no ../shared/data)"
    return "$FUNDUS_DATA" if os.environ.get("FUNDUS_DATA") else "../shared/data"


def relative_to_data(text: str, root: Path | None = None) -> str:
    """``text`` with the data root's absolute path replaced by :func:`data_root_label`."""
    root = find_data_root() if root is None else Path(root)
    return text if root is None else text.replace(str(root), data_root_label(root))


def cache_dir() -> Path:
    """Disk cache for generated twins and resized images (``$FUNDUS_CACHE`` or ``.cache/``)."""
    path = Path(os.environ.get("FUNDUS_CACHE", REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir() -> Path:
    """Where tables (CSV) and figures (PNG) are written (``$FUNDUS_RESULTS`` or ``_build/results``)."""
    path = Path(os.environ.get("FUNDUS_RESULTS", REPO_ROOT / "_build" / "results"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_num_workers(device: str) -> int:
    """DataLoader workers: none on CPU, several on GPU.

    On a CPU-only machine worker processes compete with the compute threads for the
    same cores (measured 1.2-1.5x slower epochs on 2 cores, see bench/); on a GPU they
    overlap decoding with compute.
    """
    if device == "cpu":
        return 0
    return min(8, os.cpu_count() or 1)


def _cuda_available() -> bool:
    import torch  # only here: importing torch costs seconds and hundreds of MiB

    return torch.cuda.is_available()


def load(chapter: str, profile: str = "smoke", **overrides: Any) -> Config:
    """Settings of ``chapter`` under ``profile``, then ``overrides``.

    Overrides: ``seed`` and ``device``, or any setting - a dotted key sets one leaf
    (``load("refuge_ensemble", "smoke", **{"seg.epochs": 3})``), a dict merges into a group
    (``seg={"epochs": 3}``); an unknown key is refused with the list of known ones.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    overrides = dict(overrides)
    device = overrides.pop("device", None) or ("cuda" if profile == "full" and _cuda_available() else "cpu")
    seed = int(overrides.pop("seed", 0))
    settings = _settings(apply_overrides(profile_settings(chapter, profile), overrides, f"{chapter}/{profile}"))
    on_gpu = device.startswith("cuda")
    return Config(
        chapter=chapter, profile=profile, device=device, data_root=find_data_root(),
        cache_dir=cache_dir(), results_dir=results_dir() / chapter,
        num_workers=default_num_workers(device), amp=on_gpu,
        # channels_last: always on a GPU; on a CPU where a chapter's settings ask for it (measured
        # per model: 18-20 % less CPU time for the MTL-IO U-Net, bench/bench_mtl_cpu.py)
        channels_last=on_gpu or bool(settings.get("cpu_channels_last", False)),
        seed=seed, settings=settings,
    )

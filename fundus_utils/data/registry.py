"""Dataset registry: name -> loader returning the canonical sample table.

Importers of public datasets register with the sub-folder they expect under the data
root (``$FUNDUS_DATA``); synthetic twins register with ``folder=None`` and get ``root``
passed through unchanged (``None`` by default)::

    @register("synthetic-refuge")
    def synthetic_refuge(root=None, **kwargs) -> pd.DataFrame: ...

``open_dataset(name, root=None, **kwargs)`` looks the name up, resolves the root, calls
the loader and validates the table. ``framing(name)`` says whether the dataset's images
are whole-fundus pictures (``"fundus"``) or disc-centred crops (``"disc"``), from the
manifest's ``framing`` field (synthetic twins: ``"fundus"``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pandas as pd

from .. import config
from .errors import DataError, MissingDatasetError
from .table import validate

Loader = Callable[..., pd.DataFrame]
MANIFEST_DIR = config.REPO_ROOT / "data_manifests"
FRAMINGS = ("fundus", "disc")


@dataclass(frozen=True)
class Entry:
    """A registered dataset."""

    name: str
    loader: Loader
    folder: Optional[str] = None    # folder under the data root; None: the loader resolves root itself
    manifest: Optional[str] = None  # data_manifests/<manifest>.yaml (defaults to ``name``)


REGISTRY: dict[str, Entry] = {}


def register(name: str, folder: Optional[str] = None, manifest: Optional[str] = None) -> Callable[[Loader], Loader]:
    """Decorator: make ``open_dataset(name)`` call the decorated loader."""
    def deco(loader: Loader) -> Loader:
        REGISTRY[name] = Entry(name=name, loader=loader, folder=folder, manifest=manifest or (name if folder else None))
        return loader
    return deco


def names() -> list[str]:
    """Registered dataset names."""
    return sorted(REGISTRY)


def get(name: str) -> Entry:
    """The registry entry of ``name`` (case-insensitive), or a ``KeyError`` listing the known names."""
    if name in REGISTRY:
        return REGISTRY[name]
    lowered = {k.lower(): k for k in REGISTRY}
    if name.lower() in lowered:
        return REGISTRY[lowered[name.lower()]]
    raise KeyError(f"unknown dataset {name!r}; registered: {names()}")


def load_manifest(name: str) -> dict[str, Any]:
    """The manifest of ``name`` from ``data_manifests/`` ({} when there is none)."""
    import yaml

    path = MANIFEST_DIR / f"{name}.yaml"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def framing(name: str) -> str:
    """``"fundus"`` (whole-fundus pictures) or ``"disc"`` (disc-centred crops) for dataset ``name``.

    Public datasets read the ``framing`` field of their manifest; a missing manifest,
    field or unknown value raises :class:`DataError` naming the manifest. Synthetic twins
    (registered without a folder) render whole fundus pictures.
    """
    entry = get(name)
    if entry.folder is None:
        return "fundus"
    path = MANIFEST_DIR / f"{entry.manifest or entry.name}.yaml"
    value = load_manifest(entry.manifest or entry.name).get("framing")
    if value is None:
        raise DataError(f"{path}: no 'framing' field (expected one of {FRAMINGS}) for dataset {entry.name!r}")
    if value not in FRAMINGS:
        raise DataError(f"{path}: framing {value!r} for dataset {entry.name!r}; expected one of {FRAMINGS}")
    return value


def missing_message(entry: Entry, looked_at: Optional[Path]) -> str:
    """Where the dataset was looked for, where to obtain it and the layout expected."""
    m = load_manifest(entry.manifest or entry.name)
    where = f"not found at {looked_at}" if looked_at else "no data root: set $FUNDUS_DATA or pass root="
    lines = [f"dataset {entry.name!r} {where}."]
    if m.get("homepage"):
        lines.append(f"Homepage: {m['homepage']}")
    if m.get("obtain"):
        lines.append(f"How to obtain: {str(m['obtain']).strip()}")
    folder = f"$FUNDUS_DATA/{entry.folder}/" if entry.folder else "root"
    layout = m.get("layout") or {}
    official = layout.get("official") if isinstance(layout, dict) else layout
    if official:
        lines.append(f"Expected layout under {folder}:\n{str(official).rstrip()}")
    lines.append(f"(details: data_manifests/{entry.manifest or entry.name}.yaml)")
    return "\n".join(lines)


def present(name: str, root: Optional[str | Path]) -> bool:
    """Whether dataset ``name``'s folder lies under the data root ``root`` (None: no data root)."""
    entry = get(name)
    return root is not None and (Path(root).expanduser() / (entry.folder or name)).is_dir()


def resolve_root(entry: Entry, root: Optional[str | Path]) -> Path:
    """The dataset folder: ``root`` itself, ``root/<folder>`` when that exists, else the data root's."""
    if root is not None:
        root = Path(root).expanduser()
        if entry.folder and (root / entry.folder).is_dir():
            root = root / entry.folder
    else:
        base = config.find_data_root()
        root = base / entry.folder if base is not None else None
    if root is None or not root.is_dir():
        raise MissingDatasetError(missing_message(entry, root))
    return root.resolve()


def open_dataset(name: str, root: Optional[str | Path] = None, **kwargs: Any) -> pd.DataFrame:
    """The canonical sample table of dataset ``name``.

    ``root`` is the dataset's folder or the data root holding it (default:
    ``$FUNDUS_DATA/<folder>``, see :func:`fundus_utils.config.find_data_root`). Loaders of
    synthetic twins receive ``root`` and ``kwargs`` unchanged.
    """
    entry = get(name)
    if entry.folder is not None:
        root = resolve_root(entry, root)
    table = entry.loader(root, **kwargs)
    return validate(table, entry.name)

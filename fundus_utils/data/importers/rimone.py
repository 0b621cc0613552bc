"""RIM-ONE r3 (Fumero et al., WSCG 2015) and RIM-ONE DL (Batista et al., Image Anal Stereol 2020).

RIM-ONE r3: 159 stereo pairs (85 healthy, 39 glaucoma, 35 suspects), 2144x1424::

    Healthy/Stereo Images/N-<n>-<L|R>.jpg
    Healthy/Average_masks/N-<n>-<L|R>-{Disc,Cup}-Avg.png
    Healthy/Expert1_masks/N-<n>-<L|R>-1-{Disc,Cup}-exp1.png   (+ .txt outlines, not read)
    Healthy/Expert2_masks/N-<n>-<L|R>-1-{Disc,Cup}-exp2.png
    Glaucoma and suspects/Stereo Images/{G,S}-<n>-<L|R>.jpg
    Glaucoma and suspects/{Average_masks,Expert1_masks,Expert2_masks}/...

Each image holds two views side by side; the masks annotate the left view. When an
image is twice as wide as its mask, the importer writes the left view once to
``cache_dir()/derived/RIM-ONE-r3``, points ``image`` there and records the conversion
``stereo left view`` in ``conversions``. Suspects get ``glaucoma = NaN`` (the 39/85
glaucoma/normal counts used by the REFUGE-ensemble paper); ``patient_id = <class>-<n>``.
No official split: all ``test``. Read: the average masks (``od_mask``/``oc_mask``) and
each expert's masks (``od_mask_expert1``, ``oc_mask_expert1``, ``od_mask_expert2``,
``oc_mask_expert2``), all encoding ``binary``. Expert mask names: both
``<id>-1-Disc-exp1.png`` and ``<id>-Disc-exp1.png`` are accepted (descriptions of the
release differ; no copy was available here to check).

RIM-ONE DL: 485 disc-centred crops (172 glaucoma, 313 normal) with two official
partitions, ``partition="randomly"`` (default) or ``"by_hospital"``, and one reference
segmentation of disc and cup per image by a glaucoma expert::

    RIM-ONE_DL_images/partitioned_randomly/{training_set,test_set}/{glaucoma,normal}/<id>.png
    RIM-ONE_DL_images/partitioned_by_hospital/{training_set,test_set}/{glaucoma,normal}/<id>.png
    RIM-ONE_DL_reference_segmentations/{glaucoma,normal}/<id>-1-{Disc,Cup}-T.png  (+ DCSeg .txt, not read)

The mask names follow the authors' ``generate_dir_binary_masks.py`` in
https://github.com/miag-ull/rim-one-dl (``<id>.png`` -> ``<id>-1-Disc-T.png``); the
segmentation zip itself was not available here to check. Masks are binary PNGs
(encoding ``binary``) matched to each image by id; an image without masks gets ``""``
(a row without masks, which ``verify`` counts; not an error); a mask without an image,
or a disc without its cup, raises. Some cup masks spill outside their disc mask (5 in
the release): the documented choice is to clip the cup to the disc. The clipped cup is
written to ``cache_dir()/derived/RIM-ONE-DL/`` (named by the source files' identity, so
a changed source gives a new file), ``oc_mask`` points there and ``conversions`` says
``cup clipped to disc``.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from ... import config
from ..errors import DataError
from ..io import read_mask
from ..registry import register
from ._common import build_table, find_dirs, image_size, images_in, walk_files

R3_NAME = re.compile(r"^([NGS])-(\d+)-([LR])$")
R3_MASK = re.compile(r"^([NGS]-\d+-[LR])(?:-1)?-(Disc|Cup)-(Avg|exp1|exp2)$", re.I)
DL_MASK = re.compile(r"^(.+)-1-(Disc|Cup)-T$")
CLIPPED = "cup clipped to disc"
LEFT_VIEW = "stereo left view"


def _left_view(image: Path, mask: Path) -> Path:
    """``image`` itself, or its cached left half when it is a stereo pair twice the mask's width."""
    (w, h), (mw, mh) = image_size(image), image_size(mask)
    if (w, h) == (mw, mh) or w != 2 * mw:
        return image
    out = config.cache_dir() / "derived" / "RIM-ONE-r3" / f"{image.stem}-{int(image.stat().st_mtime)}.png"
    if not out.is_file():
        with Image.open(image) as img:
            _write_png(img.crop((0, 0, mw, h)), out)
    return out


def _r3_masks(files: list[Path]) -> dict[tuple[str, str, str], Path]:
    """``{(image id, "od"|"oc", "avg"|"exp1"|"exp2"): mask}``; two files for one key raise."""
    out: dict[tuple[str, str, str], Path] = {}
    for p in files:
        m = R3_MASK.match(p.stem)
        if not m or p.suffix.lower() != ".png":
            continue
        key = (m[1].upper(), "od" if m[2].lower() == "disc" else "oc", m[3].lower())
        if key in out:
            raise DataError(f"two masks for {key}: {out[key]} and {p}")
        out[key] = p
    return out


@register("RIM-ONE-r3", folder="RIM-ONE-r3", manifest="RIM-ONE-r3")
def load_rimone_r3(root: Path) -> pd.DataFrame:
    """Canonical table of a RIM-ONE r3 copy."""
    root = Path(root)
    files = walk_files(root)
    images = {p.stem: p for p in files if p.suffix.lower() in (".jpg", ".png") and R3_NAME.match(p.stem)
              and "mask" not in str(p.parent).lower()}
    masks = _r3_masks(files)
    rows: list[dict[str, Any]] = []
    for image_id, path in sorted(images.items()):
        cls, n, eye = R3_NAME.match(image_id).groups()
        od, oc = masks.get((image_id, "od", "avg"), ""), masks.get((image_id, "oc", "avg"), "")
        image = _left_view(path, od) if od else path
        experts = {f"{s}_mask_expert{k}": masks.get((image_id, s, f"exp{k}"), "") for k in (1, 2) for s in ("od", "oc")}
        rows.append(dict(image_id=image_id, image=image, patient_id=f"{cls}-{n}", eye=eye,
                         device="RIM-ONE r3", split="test",
                         glaucoma={"N": 0.0, "G": 1.0, "S": np.nan}[cls],
                         od_mask=od, oc_mask=oc,
                         mask_encoding="binary" if od or any(experts.values()) else "",
                         conversions=LEFT_VIEW if image != path else "", **experts))
    if not rows:
        raise DataError(f"{root}: no RIM-ONE r3 images (N-<n>-<L|R>.jpg, G-..., S-...)")
    orphans = sorted({i for i, _, _ in masks} - set(images))
    if orphans:
        raise DataError(f"{root}: masks without an image: {orphans[:5]}")
    return build_table(rows, "RIM-ONE-r3")


def _identity(*paths: Path) -> str:
    """A short digest of the real path, size and mtime of ``paths``: it changes when a source file changes."""
    h = hashlib.sha1()
    for p in paths:
        st = os.stat(p)
        h.update(f"{os.path.realpath(p)}|{st.st_size}|{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _write_png(picture: Image.Image | np.ndarray, out: Path) -> None:
    """Write a picture (a boolean mask as 0/255) as PNG atomically: a unique temp file beside ``out``, then
    ``os.replace`` (two processes importing at once never see a half-written file)."""
    if isinstance(picture, np.ndarray):
        picture = Image.fromarray(picture.astype(np.uint8) * 255)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".png", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            picture.save(fh, format="PNG")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clip_cup(disc: Path, cup: Path) -> tuple[Path, str]:
    """``(cup mask, conversion)``: the cup itself, or a cached copy clipped to the disc when it spills outside."""
    od = read_mask(disc, "binary", "od")
    oc = read_mask(cup, "binary", "oc", check_size=od.shape)
    if not (oc & ~od).any():
        return cup, ""
    out = config.cache_dir() / "derived" / "RIM-ONE-DL" / f"{cup.stem}-clipped-{_identity(cup, disc)}.png"
    if not out.is_file():
        _write_png(oc & od, out)
    return out, CLIPPED


def _dl_masks(root: Path) -> dict[tuple[str, str], Path]:
    """``{(image id, "od"|"oc"): mask}`` from ``RIM-ONE_DL_reference_segmentations/``; duplicates raise."""
    out: dict[tuple[str, str], Path] = {}
    for base in find_dirs(root, r"RIM-ONE_DL_reference_segmentations"):
        for p in walk_files(base):
            m = DL_MASK.match(p.stem)
            if not m or p.suffix.lower() != ".png":
                continue
            key = (m[1], "od" if m[2] == "Disc" else "oc")
            if key in out:
                raise DataError(f"two {key[1]} masks for {key[0]!r}: {out[key]} and {p}")
            out[key] = p
    return out


def _dl_row(img: Path, split: str, glaucoma: float, masks: dict[tuple[str, str], Path]) -> dict[str, Any]:
    """One RIM-ONE DL row, with its masks (cup clipped to disc where needed)."""
    od, oc = masks.get((img.stem, "od"), ""), masks.get((img.stem, "oc"), "")
    if bool(od) != bool(oc):
        raise DataError(f"{od or oc}: only the {'disc' if od else 'cup'} mask of {img.stem!r} exists")
    conversion = ""
    if od:
        oc, conversion = _clip_cup(od, oc)
    return dict(image_id=img.stem, image=img, patient_id=img.stem, eye="",
                device=img.stem.split("_")[0] if "_" in img.stem else "RIM-ONE DL",
                split=split, glaucoma=glaucoma, od_mask=od, oc_mask=oc,
                mask_encoding="binary" if od else "", conversions=conversion)


@register("RIM-ONE-DL", folder="RIM-ONE-DL", manifest="RIM-ONE-DL")
def load_rimone_dl(root: Path, partition: str = "randomly") -> pd.DataFrame:
    """Canonical table of a RIM-ONE DL copy, in one of its two official partitions, with its reference masks."""
    root = Path(root)
    if partition not in ("randomly", "by_hospital"):
        raise ValueError(f"partition must be 'randomly' or 'by_hospital', not {partition!r}")
    bases = find_dirs(root, f"partitioned_{partition}")
    if not bases:
        raise DataError(f"{root}: no partitioned_{partition}/ folder")
    masks = _dl_masks(root)
    rows = [_dl_row(img, split, g, masks)
            for split_dir, split in (("training_set", "train"), ("test_set", "test"))
            for cls, g in (("glaucoma", 1.0), ("normal", 0.0))
            for img in images_in(bases[0] / split_dir / cls)]
    if not rows:
        raise DataError(f"{bases[0]}: no images in {{training_set,test_set}}/{{glaucoma,normal}}")
    orphans = sorted({i for i, _ in masks} - {r["image_id"] for r in rows})
    if orphans:
        raise DataError(f"{root}: reference segmentations without an image: {orphans[:5]}")
    return build_table(rows, "RIM-ONE-DL")

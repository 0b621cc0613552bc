"""Check a copy of a dataset against its manifest, file by file.

``verify(name, root)`` imports the copy, then checks: image counts per split (against the
official counts or a documented variant with the same splits), positives per class, the
label schema (columns present, values 0/1, no missing label rows within a labelled
split), that every image decodes fully, that every mask file exists, has the values its
encoding allows and the size of its image, plausibility of disc and cup masks (disc
area, cup inside disc, disc where the image is bright: :func:`check_disc_cup`), committed
folds without leakage, files under the root that no row uses, and optionally a sha256
list. It counts the rows per documented conversion of the importer (the table's
``conversions`` column) and the files per lossless conversion of the readers
(:data:`.io.IMAGE_CONVERSIONS`, :data:`.io.MASK_CONVERSIONS`).
Each finding is one line naming the file; ``problems`` make the check fail, ``warnings``
do not.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import folds as committed_folds
from .errors import DataError
from .io import conversion, mask_values, read_image, read_mask
from .registry import get, load_manifest, open_dataset, resolve_root
from .splits import leakage_problems

MASK_KINDS = {"od_mask": "od", "oc_mask": "oc", "vessel_mask": "vessel", "fov_mask": "fov", "lesion_mask": "lesion"}
SIDE_FILES = {".csv", ".xlsx", ".xls", ".txt", ".md", ".sha256", ".json", ".yaml", ".pdf"}


@dataclass
class Report:
    """Findings of one verification."""

    name: str
    root: str
    images: int = 0
    masks: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conversions: dict[str, int] = field(default_factory=dict)  # importer's conversion name -> rows (table column)
    decoded: dict[str, int] = field(default_factory=dict)  # reader's lossless conversion -> files (io.conversion)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"PROBLEM {p}" for p in self.problems] + [f"warning {w}" for w in self.warnings]
        out += [f"conversion {name!r}: {n} rows" for name, n in sorted(self.conversions.items())]
        out += [f"decoded {name}: {n} files" for name, n in sorted(self.decoded.items())]
        status = "OK" if self.ok else "FAILED"
        out.append(f"{status}: {self.name} at {self.root}: {self.images} images and {self.masks} masks checked; "
                   f"{len(self.problems)} problems, {len(self.warnings)} warnings")
        return out


def _count_spec(manifest: dict[str, Any], present: set[str]) -> tuple[str, dict, dict]:
    """(label, counts, class_counts) of the variant whose splits match ``present``, else the official one."""
    specs = [("official", manifest.get("counts") or {}, manifest.get("class_counts") or {})]
    specs += [(v.get("name", "variant"), v.get("counts") or {}, v.get("class_counts") or {})
              for v in manifest.get("variants") or []]
    for spec in specs:
        if spec[1] and set(spec[1]) == present:
            return spec
    return specs[0]


def check_counts(table: pd.DataFrame, manifest: dict[str, Any], report: Report) -> None:
    """Images per split and positives per class against the manifest."""
    present = set(table["split"])
    label, counts, classes = _count_spec(manifest, present)
    if label != "official":
        report.warnings.append(f"{report.root}: counts checked against documented variant {label!r}")
    for split, expected in counts.items():
        n = int((table["split"] == split).sum())
        if n != expected:
            report.problems.append(f"{report.root}: split {split!r} has {n} images, manifest expects {expected}")
    for split, cols in (classes or {}).items():
        part = table[table["split"] == split]
        for col, expected in (cols or {}).items():
            if col not in part:
                report.problems.append(f"{report.root}: label column {col!r} missing (manifest expects "
                                       f"{expected} positives in {split!r})")
                continue
            got = int(np.nansum(part[col].to_numpy(dtype=float)))
            if got != expected and len(part):
                report.problems.append(f"{report.root}: {split!r} has {got} positives of {col!r}, manifest expects {expected}")


def check_labels(table: pd.DataFrame, manifest: dict[str, Any], report: Report) -> None:
    """Label columns present and 0/1; within a split, either every row is labelled or none."""
    expected = manifest.get("label_columns")
    if isinstance(expected, list):
        for col in expected:
            if col not in table:
                report.problems.append(f"{report.root}: label column {col!r} missing")
    cols = [c for c in table if c == "glaucoma" or c.startswith("label_")]
    for col in cols:
        vals = table[col]
        bad = table.loc[vals.notna() & ~vals.isin([0, 1]), "image_id"]
        report.problems += [f"{table.loc[table.image_id == i, 'image'].iloc[0]}: {col} = "
                            f"{vals[table.image_id == i].iloc[0]!r}, expected 0/1" for i in bad]
        for split, part in table.groupby("split"):
            missing = part[part[col].isna()]
            if 0 < len(missing) < len(part):
                report.problems += [f"{r.image}: no {col} label in split {split!r} although "
                                    f"{len(part) - len(missing)} other images have one (missing label row?)"
                                    for r in missing.itertuples()]


# Disc area as a fraction of the picture, by the manifest's ``framing``. In a whole-fundus
# picture (45-50 degree field) the disc, about 1.8 mm across, spans 1/6-1/8 of the field's
# diameter: 1-3 % of the pixels (REFUGE at 512 px: 0.8-4.1 %); 0.2-10 % leaves room for wider
# and narrower fields. A disc-centred crop spans about 1.5-10 disc diameters (RIM-ONE DL and
# ACRIMA crops tight around the disc; Drishti-GS1, cropped around the nerve head from a
# 30-degree field: 2.0-5.4 %), so its disc is far larger: 1-80 %. Above 80 % no retina is
# left around the disc: in practice a mask of the opposite convention (the background
# marked), which the brightness check below also catches.
DISC_AREA = {"fundus": (0.002, 0.10), "disc": (0.01, 0.80)}
# The disc is the brightest large structure of a fundus picture: mean grey inside the disc mask
# over the mean grey of the rest of the field of view is >= 1.17 on all 800 REFUGE and >= 1.45
# on all 101 Drishti-GS1 images. A mask with the opposite convention (255 = cup, or the
# background marked) covers the darker retina and gives a ratio below 1.
MIN_DISC_BRIGHTNESS = 1.05
FOV_GREY = 10  # mean grey below this: the black surround outside the camera's field of view


def check_files(table: pd.DataFrame, report: Report, masks: bool = True, framing: str = "fundus",
                partial_masks: Sequence[str] = ()) -> None:
    """Every image decodes; every mask file exists, has its encoding's values and its image's size; disc/cup plausible."""
    for row in table.itertuples(index=False):
        image = None
        if row.image:
            try:
                image = read_image(row.image)
                report.images += 1
                _count_decoded(report, row.image, "image")
            except DataError as err:
                report.problems.append(str(err))
        if not masks:
            continue
        read = _check_masks(row, image is not None, report)
        if image is not None and "od" in read:
            check_disc_cup(image, read, row.image, framing, report)
    if masks:
        check_mask_gaps(table, report, partial_masks)


def _check_masks(row: Any, image_ok: bool, report: Report) -> dict[str, tuple[str, np.ndarray]]:
    """Read the row's masks (each file counted and reported once); ``{kind: (path, mask)}`` of those read."""
    seen: set[str] = set()
    read: dict[str, tuple[str, np.ndarray]] = {}
    for col, kind in MASK_KINDS.items():
        path = getattr(row, col, "")
        if not isinstance(path, str) or not path:
            continue
        if not Path(path).is_file():
            if path not in seen:
                report.problems.append(f"{path}: {col} of {row.image} not found (missing mask file)")
                seen.add(path)
            continue
        try:
            m = read_mask(path, row.mask_encoding, kind, check_size=row.image if image_ok else None)
            read[kind] = (path, m)
            if path not in seen:
                report.masks += 1
                seen.add(path)
                _count_decoded(report, path, "mask")
                if row.mask_encoding == "binary":
                    vals = set(np.unique(mask_values(path)).tolist())
                    if not vals <= {0, 255}:
                        report.warnings.append(f"{path}: binary mask with {len(vals)} grey values "
                                               f"(not only 0/255); thresholded at 128")
            if not m.any():
                report.warnings.append(f"{path}: empty {kind} mask")
        except DataError as err:
            if path not in seen:
                report.problems.append(str(err))
                seen.add(path)
    return read


def _count_decoded(report: Report, path: str, what: str) -> None:
    """Count the documented lossless conversion (palette -> RGB, 1-bit -> grey, ...) the reader applied to ``path``."""
    name = conversion(path, mask=what == "mask")
    if name:
        key = f"{what} {name}"
        report.decoded[key] = report.decoded.get(key, 0) + 1


def check_disc_cup(image: np.ndarray, read: dict[str, tuple[str, np.ndarray]], image_path: str, framing: str,
                   report: Report) -> None:
    """Disc area within :data:`DISC_AREA`, disc where the image is bright, no cup pixel outside the disc."""
    od_path, od = read["od"]
    if not od.any():
        return  # reported as an empty mask; no area or brightness to judge
    lo, hi = DISC_AREA[framing]
    area = float(od.mean())
    if not lo <= area <= hi:
        report.problems.append(f"{od_path}: disc covers {area:.1%} of the picture; expected {lo:.1%}-{hi:.0%} "
                               f"for framing {framing!r} (opposite mask convention, or another framing?)")
    grey = image.astype(np.float32).mean(axis=-1)
    rest = grey[(grey >= FOV_GREY) & ~od]
    if rest.size and rest.mean() > 0:
        inside, outside = float(grey[od].mean()), float(rest.mean())
        if inside / outside < MIN_DISC_BRIGHTNESS:
            report.problems.append(f"{od_path}: disc mask is not where {image_path} is bright (mean grey "
                                   f"{inside:.0f} inside vs {outside:.0f} outside, ratio {inside / outside:.2f} < "
                                   f"{MIN_DISC_BRIGHTNESS}): opposite mask convention?")
    if "oc" in read:
        oc_path, oc = read["oc"]
        outside_disc = int((oc & ~od).sum())
        if outside_disc:
            report.problems.append(f"{oc_path}: {outside_disc} cup pixels outside the disc of {od_path}")


def check_mask_gaps(table: pd.DataFrame, report: Report, partial: Sequence[str] = ()) -> None:
    """Within a split, a row without a mask column that other rows have: a mask file the importer did not find.

    Columns the manifest lists as ``partial_masks`` (masks published for some images only)
    are counted instead, one warning per split.
    """
    for col in MASK_KINDS:
        if col not in table:
            continue
        has = table[col].map(lambda p: isinstance(p, str) and bool(p))
        for split, part in table.groupby("split"):
            n = int(has.loc[part.index].sum())
            if not 0 < n < len(part):
                continue
            if col in partial:
                report.warnings.append(f"{report.root}: {len(part) - n} of {len(part)} images in split {split!r} "
                                       f"have no {col} (partial_masks in the manifest)")
                continue
            report.problems += [f"{r.image}: no {col} although {n} other images in split {split!r} have one "
                                f"(missing mask file?)" for r in part[~has.loc[part.index]].itertuples()]


def count_conversions(table: pd.DataFrame, report: Report) -> None:
    """Rows per conversion name of the ``conversions`` column ('|'-separated names, "" = none; absent = none)."""
    if "conversions" not in table:
        return
    for value in table["conversions"].fillna(""):
        for name in {c.strip() for c in str(value).split("|")} - {""}:
            report.conversions[name] = report.conversions.get(name, 0) + 1


def check_extra(root: Path, manifest: dict[str, Any], report: Report) -> set[str]:
    """Files the manifest lists as ``extra_files`` (e.g. second-observer masks): each must decode."""
    seen = set()
    for pattern in manifest.get("extra_files") or []:
        for p in sorted(root.glob(pattern)):
            seen.add(str(p.resolve()))
            try:
                mask_values(p)
                report.masks += 1
                _count_decoded(report, str(p), "mask")
            except DataError as err:
                report.problems.append(str(err))
    return seen


def check_unused(table: pd.DataFrame, root: Path, report: Report, extra: set[str] = frozenset()) -> None:
    """Image-like files under ``root`` that no row of the table uses."""
    used = set(extra)
    for col in ("image", *MASK_KINDS):
        if col in table:
            used |= {str(Path(p).resolve()) for p in table[col] if isinstance(p, str) and p}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix.lower() not in SIDE_FILES and str(p.resolve()) not in used:
            report.warnings.append(f"{p}: not used by any row (unexpected file?)")


def check_folds(table: pd.DataFrame, name: str, report: Report, folds_csv: Optional[Path] = None) -> None:
    """Committed (or given) folds: ids known, no patient in two folds."""
    try:
        folds = pd.read_csv(folds_csv, dtype=str) if folds_csv else committed_folds.load(name).astype(str)
    except DataError:
        return
    f = folds.set_index("image_id")
    dup = folds["image_id"][folds["image_id"].duplicated()].tolist()
    report.problems += [f"{folds_csv or name} folds: image_id {i!r} listed twice" for i in dup]
    t = table.copy()
    fold_of = pd.to_numeric(f["fold"][~f.index.duplicated()], errors="coerce")
    t["fold"] = t["image_id"].map(fold_of).fillna(-1).astype(int)
    report.problems += [f"{folds_csv or name} folds: {p}" for p in leakage_problems(t) if "split" not in p]


def check_sha256(root: Path, listing: Path, report: Report) -> None:
    """Each ``<hash>  <relative path>`` line of ``listing`` against the file under ``root``."""
    for line in Path(listing).read_text().splitlines():
        if not line.strip():
            continue
        digest, rel = line.split(maxsplit=1)
        path = root / rel.strip().lstrip("*")
        if not path.is_file():
            report.problems.append(f"{path}: listed in {listing} but missing")
            continue
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != digest.lower():
            report.problems.append(f"{path}: sha256 differs from {listing}")


def verify(name: str, root: Optional[str | Path] = None, sha256: Optional[Path] = None, masks: bool = True,
           manifest: Optional[dict[str, Any]] = None, folds_csv: Optional[Path] = None,
           **import_kwargs: Any) -> Report:
    """Verify the copy of ``name`` at ``root`` (default: under ``$FUNDUS_DATA``)."""
    entry = get(name)
    report = Report(entry.name, str(root))
    try:
        root = resolve_root(entry, root)
        report.root = str(root)
        table = open_dataset(entry.name, root, **import_kwargs)
    except (DataError, ValueError) as err:
        report.problems.append(str(err))
        return report
    manifest = load_manifest(entry.manifest or entry.name) if manifest is None else manifest
    check_counts(table, manifest, report)
    check_labels(table, manifest, report)
    framing = manifest.get("framing", "fundus")
    if framing not in DISC_AREA:
        report.problems.append(f"{entry.name} manifest: framing {framing!r} is not one of {sorted(DISC_AREA)}")
        framing = "fundus"
    check_files(table, report, masks, framing, manifest.get("partial_masks") or ())
    count_conversions(table, report)
    check_folds(table, entry.name, report, folds_csv)
    check_unused(table, root, report, check_extra(root, manifest, report))
    if sha256:
        check_sha256(root, Path(sha256), report)
    return report

"""Synthetic twins: simulator-made stand-ins for the public datasets.

Each twin renders a set of scenes to PNG files and returns the canonical sample table
(:mod:`fundus_utils.data.table`), exactly as the importer of the real dataset would,
so a notebook switches between them by name. Every twin takes ``simulator`` ("v1", the
default every chapter uses, or "v2"; see :func:`fundus_utils.data.simulator.sample_scene`). Sets are cached on disk under
``<cache>/twins/<name>-<key>/``, where the key hashes every generation parameter and the
source of the simulator and of this module (a change of the rendering code renders anew);
a second call with the same parameters only reads the table. A set is rendered into a
private folder and renamed into place, under a lock per key: two concurrent runs render it
once, and neither ever reads a half-written set.

Twins
    synthetic-refuge   REFUGE-like: glaucoma (10 % prevalence), OD/OC masks, fovea,
                       3 devices, patient-level train/val/test and CV folds
    synthetic-vessels  DRIVE/FIVES-like: vessel and field-of-view masks, mixed devices
    synthetic-rfmid    RFMiD-like multi-label set following the real class frequencies
    synthetic-screening  a screening clinic's normal vs abnormal pictures (8:2, the fundus
                       foundation models' upstream data), any finding making an eye abnormal
    synthetic-multidisease  abnormal pictures labelled with the foundation models' seven disease
                       classes (multi-label, ``label_<CLASS>``)
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import pandas as pd

from .. import config
from ..files import json_digest, locked, tree_digest
from ..parallel import cpu_count, in_parallel
from .registry import register
from .simulator import FINDINGS, SIMULATORS, STYLES, fitted_style, render, sample_scene
from .simulator import multidisease
from .simulator.rfmid import CONDITIONS, findings_for, sample_labels

MASKS = {"od_mask": "od", "oc_mask": "oc", "vessel_mask": "vessels", "fov_mask": "fov", "lesion_mask": "lesion_union"}


@functools.lru_cache(maxsize=None)
def simulator_digest() -> str:
    """Digest of the code that renders twins: the simulator package and this module."""
    here = Path(__file__).resolve().parent
    return tree_digest([here / "simulator", Path(__file__).resolve()], root=here)


def _key(name: str, params: dict) -> str:
    return json_digest({**params, "name": name, "simulator": simulator_digest()}, 12)


def twin_key(name: str, **params) -> str:
    """The cache key of a twin (used in provenance lines); ``params`` as the twin's function takes them."""
    params = dict(params)
    if "simulator" in params:
        _add_simulator(params, params.pop("simulator"))
    return f"{name}-{_key(name, params)}"


def _write_png(path: Path, array: np.ndarray) -> None:
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.ndim == 3:
        array = array[..., ::-1]  # OpenCV writes BGR
    if not cv2.imwrite(str(path), array, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"{path}: cv2.imwrite could not write the rendered picture")


def _patients(rng: np.random.Generator, n_images: int, split_fractions: Sequence[float], k_folds: int) -> pd.DataFrame:
    """Patients with one or two eyes, a patient-level split and CV folds over train+val."""
    rows, pid = [], 0
    while len(rows) < n_images:
        eyes = ["L", "R"] if rng.uniform() < 0.6 else [str(rng.choice(["L", "R"]))]
        for eye in eyes[: n_images - len(rows)]:
            rows.append({"patient_id": f"P{pid:05d}", "eye": eye})
        pid += 1
    table = pd.DataFrame(rows)
    patients = table["patient_id"].unique()
    split = rng.choice(["train", "val", "test"], size=len(patients), p=np.asarray(split_fractions) / sum(split_fractions))
    fold = rng.integers(0, k_folds, size=len(patients))
    table["split"] = table["patient_id"].map(dict(zip(patients, split)))
    table["fold"] = table["patient_id"].map(dict(zip(patients, fold)))
    table.loc[table["split"] == "test", "fold"] = -1
    return table


def _render_row(name: str, folder: Path, size: int, row: dict, args: dict) -> dict:
    """Render one planned row to ``folder``: its PNGs and its table record."""
    scene = sample_scene(**args)
    out = render(scene, size)
    image_id = f"{name}-{args['seed']:06d}"
    rec = {**row, "image_id": image_id, "image": f"{image_id}.png",
           "device": scene.style.name, "glaucoma": scene.glaucoma, "vcdr": scene.vcdr, "mask_encoding": "binary",
           "fovea_x": out.fovea_xy[0], "fovea_y": out.fovea_xy[1], "od_x": out.od_xy[0], "od_y": out.od_xy[1],
           "findings": "|".join(scene.findings)}
    _write_png(folder / rec["image"], out.image)
    for column, attr in MASKS.items():
        rec[column] = f"{image_id}_{attr}.png"
        _write_png(folder / rec[column], getattr(out, attr))
    if not out.fov[int(np.clip(round(rec["fovea_y"]), 0, size - 1)), int(np.clip(round(rec["fovea_x"]), 0, size - 1))]:
        rec["fovea_x"] = rec["fovea_y"] = np.nan  # fovea outside the picture
    return rec


def _render_set(name: str, folder: Path, plan: pd.DataFrame, size: int, scene_args: list[dict]) -> pd.DataFrame:
    """Render every planned row to ``folder`` and add the task columns.

    Scenes render side by side on every core (:func:`fundus_utils.parallel.in_parallel`):
    each is seeded by its own ``seed``, so the set does not depend on the number of workers.
    """
    folder.mkdir(parents=True, exist_ok=True)
    jobs = list(zip(plan.to_dict("records"), scene_args))
    records = in_parallel(lambda job: _render_row(name, folder, size, *job), jobs, cpu_count(), desc=f"rendering {name}")
    return pd.DataFrame(records)


def _cached(name: str, params: dict, build) -> pd.DataFrame:
    """Load the twin's table from the cache, or build and store it; paths made absolute.

    ``build(folder)`` renders into a private folder beside the entry, which is renamed into
    place when complete (atomic): a crash or a concurrent run never leaves half a set.
    """
    folder = config.cache_dir() / "twins" / twin_key(name, **params)
    table_path = folder / "samples.csv"
    if not table_path.is_file():
        with locked(folder.with_name(folder.name + ".lock")):
            if not table_path.is_file():  # not stored by a concurrent run meanwhile
                _build_into(folder, build)
    table = pd.read_csv(table_path, keep_default_na=False, na_values=[""], dtype={"eye": str})
    for column in ["image", *MASKS]:
        if column in table:
            table[column] = [str(folder / p) for p in table[column]]
    table["eye"] = table["eye"].fillna("")
    table["dataset"] = name
    return table


def _build_into(folder: Path, build) -> None:
    """Render with ``build`` into a fresh private folder, then rename it to ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        build(tmp).to_csv(tmp / "samples.csv", index=False)
        if folder.exists():  # a stale, incomplete set (no samples.csv) of a crashed older version
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _add_simulator(params: dict, simulator: str) -> None:
    """Key a twin on its simulator version when it is not v1 (so v1 twins keep their keys)."""
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, got {simulator!r}")
    if simulator != "v1":
        params["simulator_version"] = simulator  # not "simulator": that key holds the code's digest


def _random_findings(rng: np.random.Generator) -> tuple[str, ...]:
    """One or two findings other than cupping (which would change the glaucoma signal)."""
    pool = [f for f in FINDINGS if f != "cupping"]
    return tuple(rng.choice(pool, size=int(rng.integers(1, 3)), replace=False))



@register("synthetic-refuge")
def refuge_twin(root=None, n: int = 240, size: int = 256, seed: int = 0, prevalence: float = 0.1,
                devices: Sequence[str] = ("zeiss", "canon", "topcon"), split_fractions=(0.4, 0.3, 0.3),
                k_folds: int = 5, framing: str | None = "macula", lesion_rate: float = 0.0,
                zoom: float = 1.0, simulator: str = "v1") -> pd.DataFrame:
    """REFUGE-like twin: glaucoma labels driven by vCDR, OD/OC masks, fovea, three devices.

    Device is drawn per patient ("random": a fresh style per eye, for domain
    randomisation); the split (train/val/test) and CV fold are drawn per patient, so
    both eyes of a patient always fall together. ``framing=None`` mixes macula-,
    disc- and posterior-pole-centred pictures; ``lesion_rate`` gives that fraction of
    eyes one or two random findings (bright and dark distractors for the models).
    ``zoom`` > 1 narrows every device's field of view (larger anatomy in the same pixels,
    like a 30-degree camera), so small smoke-profile images still resolve the cup.
    """
    params = dict(n=n, size=size, seed=seed, prevalence=prevalence, devices=list(devices),
                  split_fractions=list(split_fractions), k_folds=k_folds, framing=framing, lesion_rate=lesion_rate)
    if zoom != 1.0:
        params["zoom"] = zoom  # only when set, so existing twins keep their cache keys
    _add_simulator(params, simulator)

    def build(folder: Path) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        plan = _patients(rng, n, split_fractions, k_folds)
        device_of = {p: str(rng.choice(list(devices))) for p in plan["patient_id"].unique()}
        risk = {p: int(rng.uniform() < prevalence) for p in plan["patient_id"].unique()}
        args = []
        for i, row in enumerate(plan.itertuples()):
            # Glaucoma is usually bilateral but asymmetric: the fellow eye shares the label 80 % of the time.
            label = risk[row.patient_id] if rng.uniform() < 0.8 else int(rng.uniform() < prevalence)
            style = device_of[row.patient_id]
            findings = _random_findings(rng) if rng.uniform() < lesion_rate else ()
            if style != "random" and zoom != 1.0:
                named = STYLES[style] if simulator == "v1" else fitted_style(style)
                style = replace(named, zoom=named.zoom * zoom)
            args.append(dict(seed=seed * 1_000_003 + i, style=None if style == "random" else style,
                             glaucoma=label, eye=row.eye, framing=framing, findings=findings, simulator=simulator))
        return _render_set("synthetic-refuge", folder, plan, size, args)

    return _cached("synthetic-refuge", params, build)


@register("synthetic-vessels")
def vessel_twin(root=None, n: int = 40, size: int = 512, seed: int = 0,
                devices: Sequence[str] = ("topcon", "canon", "random"), lesion_rate: float = 0.3,
                split_fractions=(0.5, 0.0, 0.5), k_folds: int = 5, simulator: str = "v1") -> pd.DataFrame:
    """DRIVE/FIVES-like twin: vessel and FOV masks; some eyes carry DR lesions.

    ``devices`` may include "random" (a freshly drawn style per image: domain randomisation).
    """
    params = dict(n=n, size=size, seed=seed, devices=list(devices), lesion_rate=lesion_rate,
                  split_fractions=list(split_fractions), k_folds=k_folds)
    _add_simulator(params, simulator)

    def build(folder: Path) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        plan = _patients(rng, n, split_fractions, k_folds)
        args = []
        for i, row in enumerate(plan.itertuples()):
            style = str(rng.choice(list(devices)))
            findings = ("microaneurysms", "haemorrhages", "hard_exudates") if rng.uniform() < lesion_rate else ()
            args.append(dict(seed=seed * 1_000_003 + i, style=None if style == "random" else style,
                             eye=row.eye, findings=findings, prevalence=0.0, simulator=simulator))
        return _render_set("synthetic-vessels", folder, plan, size, args)

    return _cached("synthetic-vessels", params, build)


@register("synthetic-rfmid")
def rfmid_twin(root=None, n: int = 300, size: int = 256, seed: int = 0,
               devices: Sequence[str] = ("canon", "zeiss", "topcon"), split_fractions=(0.6, 0.2, 0.2),
               k_folds: int = 5, simulator: str = "v1") -> pd.DataFrame:
    """RFMiD-like multi-label twin: conditions drawn with the real training frequencies.

    Adds ``label_<CONDITION>`` columns and ``label_Disease_Risk``; each positive
    condition is drawn through its simulator findings (``simulator.rfmid.FINDINGS_OF``).
    """
    params = dict(n=n, size=size, seed=seed, devices=list(devices), split_fractions=list(split_fractions),
                  k_folds=k_folds)
    _add_simulator(params, simulator)

    def build(folder: Path) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        plan = _patients(rng, n, split_fractions, k_folds)
        labels = sample_labels(rng, len(plan))
        args = [dict(seed=seed * 1_000_003 + i, style=str(rng.choice(list(devices))), eye=row.eye,
                     findings=findings_for(labels.iloc[i]), prevalence=0.0, simulator=simulator)
                for i, row in enumerate(plan.itertuples())]
        table = _render_set("synthetic-rfmid", folder, plan, size, args)
        return pd.concat([table, labels.add_prefix("label_")], axis=1)

    return _cached("synthetic-rfmid", params, build)


TWIN_MAP = pd.DataFrame([
    {"twin": "synthetic-refuge", "stands in for": "REFUGE (also ORIGA, Drishti-GS1, RIM-ONE, ACRIMA)",
     "ground truth": "glaucoma, OD/OC masks, fovea, vCDR, vessels",
     "devices": "zeiss, canon, topcon (or random)", "used by": "mtl_glaucoma, refuge_ensemble"},
    {"twin": "synthetic-vessels", "stands in for": "DRIVE, CHASE_DB1, FIVES",
     "ground truth": "vessel and FOV masks, DR lesions", "devices": "topcon, canon, random",
     "used by": "fundus_foundation (vessel U-Net)"},
    {"twin": "synthetic-rfmid", "stands in for": "RFMiD (45 conditions), JSIEC",
     "ground truth": "multi-label conditions at RFMiD training frequencies, lesion masks",
     "devices": "canon, zeiss, topcon", "used by": "rfmid_ensemble, fundus_foundation"},
    {"twin": "synthetic-screening", "stands in for": "a screening clinic's normal vs abnormal pictures",
     "ground truth": "abnormal (any finding), findings, lesion masks", "devices": "named devices or random",
     "used by": "fundus_foundation (upstream, Table 1)"},
    {"twin": "synthetic-multidisease", "stands in for": "the foundation models' seven-class multi-label set",
     "ground truth": "AMD, glaucoma, glaucoma suspect, DR feature, PM, ERM, RVO", "devices": "named devices or random",
     "used by": "fundus_foundation (multi-label)"},
])


__all__ = ["TWIN_MAP", "CONDITIONS", "multidisease_twin", "refuge_twin", "rfmid_twin", "screening_twin", "twin_key",
           "vessel_twin"]


def _device_per_patient(rng: np.random.Generator, plan: pd.DataFrame, devices: Sequence[str]) -> dict[str, str]:
    """One device style per patient, drawn from ``devices`` ("random": a fresh style per eye)."""
    return {p: str(rng.choice(list(devices))) for p in plan["patient_id"].unique()}


def _eye_args(seed: int, i: int, style: str, eye: str, simulator: str, **scene) -> dict:
    """``sample_scene`` arguments of the ``i``-th eye of a set drawn from ``seed`` (no background prevalence)."""
    return dict(seed=seed * 1_000_003 + i, style=None if style == "random" else style, eye=eye, prevalence=0.0,
                simulator=simulator, **scene)


@register("synthetic-screening")
def screening_twin(root=None, n: int = 1000, size: int = 128, seed: int = 0, abnormal_rate: float = 0.2,
                   devices: Sequence[str] = ("random",), split_fractions=(0.8, 0.0, 0.2), k_folds: int = 5,
                   simulator: str = "v2", findings: Sequence[str] | None = None) -> pd.DataFrame:
    """Normal vs abnormal screening pictures (column ``abnormal``), as the foundation models' upstream set.

    An abnormal eye (``abnormal_rate`` of them, drawn per eye) carries one or two findings drawn
    from ``findings`` (None: every finding the simulator has, glaucomatous cupping included); a
    normal eye carries none and no glaucoma (so ``abnormal`` is exactly "has a finding").
    ``devices`` may hold "random" (a fresh style per eye) or named devices, drawn per patient.
    """
    pool = FINDINGS if findings is None else tuple(findings)
    if not pool or set(pool) - set(FINDINGS):
        raise ValueError(f"synthetic-screening: findings must be a non-empty subset of {FINDINGS} (None: all); "
                         f"got {list(pool)}")
    params = dict(n=n, size=size, seed=seed, abnormal_rate=abnormal_rate, devices=list(devices),
                  split_fractions=list(split_fractions), k_folds=k_folds)
    if findings is not None:  # absent from the key when all: earlier sets keep their key
        params["findings"] = list(pool)
    _add_simulator(params, simulator)

    def build(folder: Path) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        plan = _patients(rng, n, split_fractions, k_folds)
        device_of = _device_per_patient(rng, plan, devices)
        args, abnormal = [], []
        for i, row in enumerate(plan.itertuples()):
            found = tuple(rng.choice(pool, size=int(rng.integers(1, min(2, len(pool)) + 1)), replace=False)) \
                if rng.uniform() < abnormal_rate else ()
            args.append(_eye_args(seed, i, device_of[row.patient_id], row.eye, simulator, findings=found))
            abnormal.append(int(bool(found)))
        table = _render_set("synthetic-screening", folder, plan, size, args)
        table["abnormal"] = abnormal
        return table

    return _cached("synthetic-screening", params, build)


@register("synthetic-multidisease")
def multidisease_twin(root=None, n: int = 400, size: int = 128, seed: int = 0,
                      devices: Sequence[str] = ("canon", "zeiss"), split_fractions=(0.0, 0.0, 1.0), k_folds: int = 5,
                      two_rate: float = 0.25, simulator: str = "v2",
                      findings: Sequence[str] | None = None) -> pd.DataFrame:
    """Abnormal pictures with the seven classes of the foundation models' multi-label task (``label_<CLASS>``).

    Each eye shows one class, or two with ``two_rate`` (classes uniform; glaucoma and glaucoma
    suspect exclusive), drawn through :mod:`.simulator.multidisease`; ``devices`` as in
    :func:`screening_twin`, drawn per patient. ``findings`` is refused (the classes choose them);
    it is accepted so a screening twin's settings can be passed on unchanged.
    """
    if findings is not None:
        raise ValueError("synthetic-multidisease: the seven classes choose the findings; pass findings=None")
    params = dict(n=n, size=size, seed=seed, devices=list(devices), split_fractions=list(split_fractions),
                  k_folds=k_folds, two_rate=two_rate)
    _add_simulator(params, simulator)

    def build(folder: Path) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        plan = _patients(rng, n, split_fractions, k_folds)
        device_of = _device_per_patient(rng, plan, devices)
        args, labels = [], []
        for i, row in enumerate(plan.itertuples()):
            classes = multidisease.sample_classes(rng, two_rate)
            args.append(_eye_args(seed, i, device_of[row.patient_id], row.eye, simulator,
                                  **multidisease.scene_args(rng, classes)))
            labels.append({f"label_{c}": int(c in classes) for c in multidisease.CLASSES})
        table = _render_set("synthetic-multidisease", folder, plan, size, args)
        return pd.concat([table, pd.DataFrame(labels)], axis=1)

    return _cached("synthetic-multidisease", params, build)

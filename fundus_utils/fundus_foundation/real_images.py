"""Beyond the paper: do trunks pretrained on the synthetic twin help a real downstream task?

No published fundus foundation model answers this: the upstream models here never saw a real
photograph (the screening twin's train patients), and the downstream task is real glaucoma on
REFUGE Test400 (its 400 labelled pictures, 40 glaucomatous), under linear probing and fine-tuning
with patient-level (here: picture-level, REFUGE has one picture per patient) label-stratified
five-fold CV, DeLong's test of each initialisation against **Scratch**. Real pictures are resized
to the ladder's rungs through the resized-image cache; nothing else is done to them (the twin's
colours were fitted to these cameras, :mod:`fundus_utils.data.simulator.fitted`).

Where REFUGE is absent (no ``$FUNDUS_DATA``, no ``../shared/data``) the study reports that and
runs nothing.
"""
from __future__ import annotations

import pandas as pd

from .. import data
from ..config import Config
from ..data.registry import present
from . import downstream


def glaucoma_table(cfg: Config) -> pd.DataFrame | None:
    """REFUGE's labelled split (``cfg.real_images.split``) with ``abnormal`` = glaucoma and stratified
    folds (:func:`.downstream.assign_folds`); None when REFUGE is not under the data root."""
    spec = cfg.real_images
    if not present(spec.dataset, cfg.data_root):
        return None
    table = data.open_dataset(spec.dataset, cfg.data_root)
    table = table[table["split"] == spec.split].reset_index(drop=True)
    if table["glaucoma"].isna().any():
        raise ValueError(f"{spec.dataset} {spec.split}: {int(table['glaucoma'].isna().sum())} pictures have no "
                         "glaucoma label")
    table["abnormal"] = table["glaucoma"].astype(int)
    return downstream.assign_folds(table, cfg, "abnormal")


def glaucoma_table1(cfg: Config, protocol: str, table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Table 1 of the real glaucoma task for ``protocol``: every initialisation against Scratch (DeLong)."""
    return downstream.table1(cfg, protocol, table=table, against="Scratch")


def availability(cfg: Config) -> pd.DataFrame:
    """Which real set the study needs and whether it is present."""
    spec = cfg.real_images
    here = present(spec.dataset, cfg.data_root)
    return pd.DataFrame([{"task": "glaucoma", "dataset": spec.dataset, "split": spec.split, "present": here,
                          "reason": "" if here else "not under the data root ($FUNDUS_DATA or ../shared/data)"}])

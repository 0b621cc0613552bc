"""RFMiD label frequencies and their visual stand-ins in the simulator.

``TRAINING_COUNTS`` are facts: positives per condition among the 1920 images of the
RFMiD training set (Pachade et al., Data 2021), counted from
``RFMiD_Training_Labels.csv``; ``Disease_Risk`` is 1 for 1519 of them.

``FINDINGS_OF`` maps each condition to the simulator findings that stand in for it.
This mapping is our reading: a coarse visual proxy (e.g. optociliary shunts drawn as
tortuous disc vessels), not a clinical model. Conditions sharing proxies are hard to
tell apart in the twin, as several are in real photographs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

N_TRAINING = 1920
DISEASE_RISK_COUNT = 1519
TRAINING_COUNTS: dict[str, int] = {
    "DR": 376, "ARMD": 100, "MH": 317, "DN": 138, "MYA": 101, "BRVO": 73, "TSLN": 186, "ERM": 14,
    "LS": 47, "MS": 15, "CSR": 37, "ODC": 282, "CRVO": 28, "TV": 6, "AH": 16, "ODP": 65, "ODE": 58,
    "ST": 5, "AION": 17, "PT": 11, "RT": 14, "RS": 43, "CRS": 32, "EDN": 15, "RPEC": 22, "MHL": 11,
    "RP": 6, "CWS": 3, "CB": 1, "ODPM": 0, "PRH": 2, "MNF": 3, "HR": 0, "CRAO": 2, "TD": 3, "CME": 4,
    "PTCR": 5, "CF": 3, "VH": 1, "MCA": 1, "VS": 1, "BRAO": 2, "PLQ": 1, "HPED": 1, "CL": 1,
}
CONDITIONS = tuple(TRAINING_COUNTS)

FINDINGS_OF: dict[str, tuple[str, ...]] = {
    "DR": ("microaneurysms", "haemorrhages", "hard_exudates"), "ARMD": ("drusen", "pigment_clumps"),
    "MH": ("media_haze",), "DN": ("drusen",), "MYA": ("peripapillary_atrophy", "tessellation"),
    "BRVO": ("flame_haemorrhages",), "TSLN": ("tessellation",), "ERM": ("epiretinal_membrane",),
    "LS": ("laser_scars",), "MS": ("macular_scar",), "CSR": ("serous_detachment",), "ODC": ("cupping",),
    "CRVO": ("central_vein_occlusion", "tortuous_vessels"), "TV": ("tortuous_vessels",),
    "AH": ("asteroid_bodies",), "ODP": ("disc_pallor",), "ODE": ("disc_oedema",), "ST": ("tortuous_vessels",),
    "AION": ("disc_oedema",), "PT": ("microaneurysms",), "RT": ("epiretinal_membrane",),
    "RS": ("cotton_wool_spots",), "CRS": ("pigment_clumps", "macular_scar"), "EDN": ("hard_exudates",),
    "RPEC": ("pigment_clumps",), "MHL": ("macular_hole",), "RP": ("pigment_clumps", "disc_pallor"),
    "CWS": ("cotton_wool_spots",), "CB": ("peripapillary_atrophy",), "ODPM": ("serous_detachment",),
    "PRH": ("haemorrhages",), "MNF": ("cotton_wool_spots",), "HR": ("haemorrhages",), "CRAO": ("disc_pallor",),
    "TD": ("peripapillary_atrophy",), "CME": ("serous_detachment",), "PTCR": ("macular_scar",),
    "CF": ("tessellation",), "VH": ("media_haze",), "MCA": ("haemorrhages",), "VS": ("cotton_wool_spots",),
    "BRAO": ("cotton_wool_spots",), "PLQ": ("asteroid_bodies",), "HPED": ("serous_detachment",),
    "CL": ("tortuous_vessels",),
}


def sample_labels(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` RFMiD-style label rows whose class frequencies follow the training set.

    Healthy images (Disease_Risk 0) occur with the real frequency (401/1920); each
    diseased image gets conditions drawn in proportion to their counts, with the real
    number of labels per diseased image (mostly one, sometimes two or three).
    """
    risk = rng.uniform(size=n) < DISEASE_RISK_COUNT / N_TRAINING
    probs = np.array([TRAINING_COUNTS[c] for c in CONDITIONS], float)
    probs /= probs.sum()
    labels = np.zeros((n, len(CONDITIONS)), int)
    # Labels per diseased image in the training set: 1061 x 1, 373 x 2, 79 x 3, 6 x 4-5.
    n_labels = rng.choice([1, 2, 3, 4], size=n, p=np.array([1061, 373, 79, 6]) / 1519)
    for i in np.flatnonzero(risk):
        labels[i, rng.choice(len(CONDITIONS), size=n_labels[i], replace=False, p=probs)] = 1
    table = pd.DataFrame(labels, columns=CONDITIONS)
    table.insert(0, "Disease_Risk", risk.astype(int))
    return table


def findings_for(row: pd.Series) -> tuple[str, ...]:
    """Simulator findings standing in for the positive conditions of a label row."""
    found: list[str] = []
    for condition in CONDITIONS:
        if row.get(condition, 0):
            found += [f for f in FINDINGS_OF[condition] if f not in found]
    return tuple(found)

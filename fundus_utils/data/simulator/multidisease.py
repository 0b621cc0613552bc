"""The seven disease classes of the fundus foundation models' multi-label task and their stand-ins in the simulator.

Jang et al. (2024) classify abnormal fundus pictures into AMD, glaucoma, glaucoma suspect, DR
feature, pathologic myopia (PM), epiretinal membrane (ERM) and retinal vein occlusion (RVO),
one picture carrying one or more of them; the paper gives no class frequencies. Our reading of
what each class looks like, reusing the RFMiD stand-ins (:data:`.rfmid.FINDINGS_OF`) where a
class is an RFMiD condition:

* AMD: RFMiD's ARMD (drusen, pigment clumps); DR feature: RFMiD's DR (microaneurysms,
  haemorrhages, hard exudates); PM: RFMiD's MYA (peripapillary atrophy, tessellation); ERM:
  RFMiD's ERM; RVO: branch (flame haemorrhages) or central (central vein occlusion, tortuous
  vessels), one of the two per eye, as RFMiD's BRVO and CRVO;
* glaucoma: a glaucomatous disc (the scene's ``glaucoma`` label) with pathological cupping
  (vCDR 0.7-0.9, the ``cupping`` finding);
* glaucoma suspect: a suspicious disc without glaucoma, vCDR drawn in 0.6-0.7 (above the
  healthy eyes' usual 0.3-0.5, below the glaucomatous cupping); exclusive with glaucoma.

A coarse visual proxy, not a clinical model.
"""
from __future__ import annotations

import numpy as np

from .rfmid import FINDINGS_OF

CLASSES = ("AMD", "glaucoma", "glaucoma_suspect", "DR_feature", "PM", "ERM", "RVO")
_FINDINGS = {"AMD": FINDINGS_OF["ARMD"], "DR_feature": FINDINGS_OF["DR"], "PM": FINDINGS_OF["MYA"],
             "ERM": FINDINGS_OF["ERM"], "glaucoma": ("cupping",), "glaucoma_suspect": ()}
SUSPECT_VCDR = (0.6, 0.7)


def sample_classes(rng: np.random.Generator, two_rate: float = 0.25) -> tuple[str, ...]:
    """One or (with ``two_rate``) two classes, uniformly; never glaucoma with glaucoma suspect."""
    while True:
        picked = tuple(rng.choice(CLASSES, size=2 if rng.uniform() < two_rate else 1, replace=False))
        if not {"glaucoma", "glaucoma_suspect"} <= set(picked):
            return picked


def scene_args(rng: np.random.Generator, classes: tuple[str, ...]) -> dict:
    """``sample_scene`` arguments (findings, glaucoma, vcdr) of an eye showing ``classes``."""
    unknown = set(classes) - set(CLASSES)
    if unknown:
        raise ValueError(f"unknown classes {sorted(unknown)}; known: {CLASSES}")
    findings: list[str] = []
    for c in classes:
        if c == "RVO":
            drawn = FINDINGS_OF["BRVO"] if rng.uniform() < 0.5 else FINDINGS_OF["CRVO"]
        else:
            drawn = _FINDINGS[c]
        findings += [f for f in drawn if f not in findings]
    args = {"findings": tuple(findings), "glaucoma": int("glaucoma" in classes), "vcdr": None}
    if "glaucoma_suspect" in classes:
        args["vcdr"] = float(rng.uniform(*SUSPECT_VCDR))
    return args

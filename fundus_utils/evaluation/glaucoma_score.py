"""Glaucoma score of the MTL-IO paper: FC probability averaged with a vCDR logistic regression.

Pascal et al., Sci Rep 2022, Methods "Glaucoma detection task": a first prediction comes
from the FC classifier after the encoder; a second from a logistic regression taking the
vertical cup-to-disc ratio (vCDR = cup height / disc height, measured on the predicted OD
and OC masks); "the outputs before the binary outcome of each classifier are averaged",
and the class is that average thresholded at 0.5.

How the code measures the vCDR (``utils.vertical_diameter``, ``get_vCDRs``): the largest
column sum of the soft OD and OC probability maps, :func:`soft_vcdr`; the chapter uses it
by default (setting ``vcdr="soft"``); ``vcdr="mask"`` measures the heights of the
thresholded, largest-component masks instead (:func:`fundus_utils.evaluation.vertical_cdr`).

From the authors' code (``train.py``, ``eval.py``, ``models/unet.py``): scikit-learn's
``LogisticRegression(solver="lbfgs")`` is fitted on the training images' *reference* vCDRs
(measured on the ground-truth masks) and their labels, then applied to the vCDRs of the
predicted masks. Our reading: when the predicted disc is empty (no vCDR), the training
mean vCDR is used; when only one of the two scores exists (an STL network set without a
classifier, or a training set without labels) the score is that one alone.
"""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

EPS = 1e-7  # the code's utils.EPS


def vertical_diameter(maps: np.ndarray) -> np.ndarray:
    """The authors' ``utils.vertical_diameter``: the largest column sum of each map ``(N, H, W)``.

    On a probability map it is a soft disc (or cup) height in pixels; on a binary mask the
    height of its tallest column.
    """
    maps = np.asarray(maps, float)
    return maps.sum(axis=1).max(axis=1)


def soft_vcdr(od: np.ndarray, oc: np.ndarray) -> np.ndarray:
    """The code's ``vertical_cup_to_disc_ratio``: cup diameter / (disc diameter + 1e-7), per image.

    Applied, as in ``utils.get_vCDRs``, to the *soft* OD/OC probability maps ``(N, H, W)``
    of the network (no threshold, no post-processing), and to the reference masks.
    """
    return vertical_diameter(oc) / (vertical_diameter(od) + EPS)


class VCDRLogistic:
    """Logistic regression glaucoma ~ vCDR (fit on reference vCDRs, predict on measured ones)."""

    def __init__(self) -> None:
        self.model = LogisticRegression(solver="lbfgs")
        self.fill = 0.5
        self.fitted = False

    def fit(self, vcdr: np.ndarray, labels: np.ndarray) -> "VCDRLogistic":
        vcdr, labels = np.asarray(vcdr, float), np.asarray(labels, float)
        ok = np.isfinite(vcdr) & np.isfinite(labels)
        if ok.sum() == 0 or len(np.unique(labels[ok])) < 2:
            raise ValueError("VCDRLogistic.fit needs labelled vCDRs of both classes")
        self.fill = float(np.mean(vcdr[ok]))
        self.model.fit(vcdr[ok].reshape(-1, 1), labels[ok].astype(int))
        self.fitted = True
        return self

    def predict_proba(self, vcdr: np.ndarray) -> np.ndarray:
        """P(glaucoma | vCDR) per image; NaN vCDRs (no disc found) use the training mean."""
        v = np.asarray(vcdr, float)
        v = np.where(np.isfinite(v), v, self.fill)
        return self.model.predict_proba(v.reshape(-1, 1))[:, 1]


def combined_score(p_fc: np.ndarray | None, p_vcdr: np.ndarray | None) -> np.ndarray:
    """Average of the FC and vCDR probabilities (either may be None: the other is used alone)."""
    parts = [np.asarray(p, float) for p in (p_fc, p_vcdr) if p is not None]
    if not parts:
        raise ValueError("combined_score needs at least one score")
    return np.mean(parts, axis=0)


def decide(score: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Glaucoma decision: score >= threshold (the paper's 0.5)."""
    return (np.asarray(score) >= threshold).astype(int)


__all__ = ["EPS", "VCDRLogistic", "combined_score", "decide", "soft_vcdr", "vertical_diameter"]

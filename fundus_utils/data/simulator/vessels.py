"""Vessel tree geometry: arcades rooted at the optic disc, branching and tapering.

Geometry lives in normalised image coordinates (x, y in [0, 1], y down) in the
canonical left-eye frame (disc left of the fovea); the renderer mirrors right eyes.
Lengths are expressed in disc diameters (DD) and converted with the scene's ``dd``.

Each branch is a random walk with a constant turning rate plus noise, computed in
one vectorised step (no per-point Python loop). Children leave at random points,
and the parent narrows after each branch point as Murray's law prescribes
(w_parent'^3 = w_parent^3 - w_child^3). Branches stop at the edge of the field of
view and at the foveal avascular zone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

STEP_DD = 0.06          # walk step, disc diameters
MIN_WIDTH_DD = 0.012    # thinnest vessel drawn (about 20 um)
FAZ_DD = 0.2            # radius of the foveal avascular zone
MAX_DEPTH = 5


@dataclass
class Branch:
    """One vessel segment: polyline ``points`` (N x 2, normalised), ``widths`` (N, normalised)."""

    points: np.ndarray
    widths: np.ndarray
    artery: bool


# Main trunks leaving the disc: (initial angle deg, total turn rad, length DD, width DD).
# Angles in image coordinates (0 = temporal/right, -90 = up). Widths from typical
# calibres: central vein ~150 um, artery ~110 um, disc ~1800 um.
TRUNKS = (
    (-75.0, 1.55, 7.0, 0.085),   # superior temporal arcade, arching over the macula
    (75.0, -1.55, 7.0, 0.085),   # inferior temporal arcade
    (-125.0, 0.3, 4.5, 0.055),   # superior nasal
    (125.0, -0.3, 4.5, 0.055),   # inferior nasal
    (-25.0, 0.3, 1.4, 0.03),     # small macular branch, superior
    (25.0, -0.3, 1.4, 0.03),     # small macular branch, inferior
    (180.0, 0.0, 3.5, 0.04),     # nasal
)
ARTERY_WIDTH = 0.75  # arteries are narrower than their companion veins


def _walk(rng: np.random.Generator, start: np.ndarray, angle: float, turn: float, length_dd: float,
          dd: float, tortuosity: float) -> np.ndarray:
    """Polyline of a walk whose heading turns by ``turn`` rad, mostly in the first 2.5 DD."""
    n = max(int(length_dd / STEP_DD), 2)
    s = STEP_DD * np.arange(n)
    noise = rng.normal(0.0, 0.11 * tortuosity, n).cumsum() * 0.3 + rng.normal(0.0, 0.05 * tortuosity, n)
    theta = np.deg2rad(angle) + turn * (1 - np.exp(-s / 2.5)) + noise
    steps = np.stack([np.cos(theta), np.sin(theta)], 1) * STEP_DD * dd
    return start + np.vstack([[0.0, 0.0], np.cumsum(steps, 0)[:-1]])


def _clip(points: np.ndarray, fov_c: np.ndarray, fov_r: float, fovea: np.ndarray, dd: float) -> int:
    """Number of leading points inside the field of view and outside the foveal avascular zone."""
    outside = np.linalg.norm(points - fov_c, axis=1) > fov_r * 1.02
    in_faz = np.linalg.norm(points - fovea, axis=1) < FAZ_DD * dd
    stop = np.flatnonzero(outside | in_faz)
    return int(stop[0]) if stop.size else len(points)


def grow_tree(rng: np.random.Generator, disc: np.ndarray, fovea: np.ndarray, dd: float,
              fov_c: np.ndarray, fov_r: float, tortuosity: float = 1.0, density: float = 1.0) -> list[Branch]:
    """All branches of the arterial and venous trees of one eye."""
    branches: list[Branch] = []
    # Stack of (start, angle, turn, length, width, artery, depth).
    todo = []
    for angle, turn, length, width in TRUNKS:
        for artery in (False, True):
            offset = rng.normal(0, 8) + (6 if artery else -6) * np.sign(angle or 1)
            w = width * dd * (ARTERY_WIDTH if artery else 1.0) * rng.uniform(0.9, 1.1)
            start = disc + rng.normal(0, 0.06, 2) * dd
            todo.append((start, angle + offset, turn * rng.uniform(0.8, 1.2), length * rng.uniform(0.85, 1.15), w, artery, 0))
    while todo:
        start, angle, turn, length, width, artery, depth = todo.pop()
        pts = _walk(rng, start, angle, turn, length, dd, tortuosity)
        n = _clip(pts, fov_c, fov_r, fovea, dd)
        if n < 2:
            continue
        pts = pts[:n]
        # Linear taper to 60 % over the branch; children remove flow at branch points.
        widths = width * np.linspace(1.0, 0.6, len(pts))
        n_children = rng.poisson(density * length * 1.3) if depth < MAX_DEPTH else 0
        spots = np.sort(rng.integers(2, max(len(pts) - 2, 3), n_children))
        draws = rng.random((n_children, 5))  # all of this branch's randomness in one call
        w_min = MIN_WIDTH_DD * dd
        for k, (u_w, u_side, u_angle, u_len, u_turn) in zip(spots.tolist(), draws.tolist()):
            if k >= len(pts) - 1:
                continue
            w_child = widths[k] * (0.45 + 0.35 * u_w)
            if w_child < w_min:
                continue
            widths[k:] = np.cbrt(np.maximum(widths[k:] ** 3 - w_child ** 3, w_min ** 3))
            (x0, y0), (x1, y1) = pts[k], pts[k + 1]
            heading = math.atan2(y1 - y0, x1 - x0)
            child = heading + (1 if u_side < 0.5 else -1) * math.radians(30 + 40 * u_angle)
            if math.cos(child) * (x0 - disc[0]) + math.sin(child) * (y0 - disc[1]) < 0:
                child = 2 * heading - child  # never grow back towards the disc
            child_len = length * (0.4 + 0.4 * u_len)
            # Branches heading for the macula stay short: the fovea is avascular.
            fx, fy = fovea[0] - x0, fovea[1] - y0
            if math.cos(child) * fx + math.sin(child) * fy > 0.5 * math.hypot(fx, fy):
                child_len *= 0.35
            todo.append((pts[k], math.degrees(child), 0.8 * (u_turn - 0.5), child_len, w_child, artery, depth + 1))
        keep = widths >= MIN_WIDTH_DD * dd
        if keep.sum() >= 2:
            last = int(np.flatnonzero(keep)[-1]) + 1
            branches.append(Branch(pts[:last], widths[:last], artery))
    return branches

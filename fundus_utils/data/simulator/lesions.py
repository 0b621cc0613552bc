"""Lesion families: where each finding appears, its size, shape and colour.

A family is a sampler (scene geometry -> elliptical spots, normalised coordinates)
plus a colour and an edge softness. Every family yields a lesion mask. Diffuse
findings that change the whole picture (tessellation, media haze, tortuous vessels,
disc pallor/oedema, cupping) are scene parameters instead; see ``scene.py``.

Colours are pre-illumination RGB in [0, 1]; the renderer blends towards them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Spot = tuple[float, float, float, float, float, float]  # x, y, rx, ry, angle_deg, opacity


@dataclass(frozen=True)
class Family:
    """A lesion family: spot sampler, target colour and edge softness (in DD)."""

    name: str
    colour: tuple[float, float, float]
    softness_dd: float
    sample: Callable[[np.random.Generator, "Geometry"], list[Spot]]
    description: str


@dataclass(frozen=True)
class Geometry:
    """What a sampler needs to know of the eye (canonical left-eye frame)."""

    disc: np.ndarray
    fovea: np.ndarray
    dd: float
    fov_c: np.ndarray
    fov_r: float


def _around(rng, centre, radius, n):
    """n points uniformly in a disc of ``radius`` around ``centre``."""
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    return centre + np.stack([r * np.cos(a), r * np.sin(a)], 1)


def _in_fov(g: Geometry, pts: np.ndarray, margin: float = 0.9) -> np.ndarray:
    return pts[np.linalg.norm(pts - g.fov_c, axis=1) < g.fov_r * margin]


def _round(pts, size_dd, g, rng, opacity=(0.7, 1.0), aspect=(0.8, 1.25)) -> list[Spot]:
    out = []
    for x, y in pts:
        r = size_dd * g.dd * rng.uniform(0.6, 1.4)
        out.append((x, y, r, r * rng.uniform(*aspect), rng.uniform(0, 180), rng.uniform(*opacity)))
    return out


def _microaneurysms(rng, g):
    return _round(_in_fov(g, _around(rng, g.fovea, 2.5 * g.dd, rng.integers(6, 25))), 0.025, g, rng)


def _haemorrhages(rng, g):
    return _round(_in_fov(g, _around(rng, g.fovea, 3.0 * g.dd, rng.integers(3, 12))), 0.09, g, rng, aspect=(0.6, 1.6))


def _hard_exudates(rng, g):
    centres = _around(rng, g.fovea, 1.5 * g.dd, rng.integers(2, 5))
    pts = np.vstack([_around(rng, c, 0.35 * g.dd, rng.integers(4, 14)) for c in centres])
    return _round(_in_fov(g, pts), 0.035, g, rng)


def _cotton_wool(rng, g):
    pts = _around(rng, g.disc + np.array([1.2, 0]) * g.dd, 2.0 * g.dd, rng.integers(2, 6))
    return _round(_in_fov(g, pts), 0.16, g, rng, opacity=(0.4, 0.7), aspect=(0.5, 0.9))


def _drusen(rng, g):
    return _round(_in_fov(g, _around(rng, g.fovea, 1.4 * g.dd, rng.integers(10, 40))), 0.05, g, rng, opacity=(0.5, 0.9))


def _pigment(rng, g):
    return _round(_in_fov(g, _around(rng, g.fovea, 1.0 * g.dd, rng.integers(3, 10))), 0.06, g, rng)


def _flame_haemorrhages(rng, g, quadrants=1):
    spots = []
    signs = [rng.choice([-1, 1])] if quadrants == 1 else [-1, 1]
    for sign in signs:
        for _ in range(rng.integers(8, 20)):
            a = np.deg2rad(sign * rng.uniform(20, 80) if quadrants == 1 else rng.uniform(0, 360))
            d = rng.uniform(0.8, 3.5) * g.dd
            x, y = g.disc + d * np.array([np.cos(a), np.sin(a)])
            r = 0.18 * g.dd * rng.uniform(0.6, 1.3)
            spots.append((x, y, r, r * 0.3, np.degrees(a), rng.uniform(0.6, 0.95)))
    return [s for s in spots if np.hypot(s[0] - g.fov_c[0], s[1] - g.fov_c[1]) < g.fov_r * 0.95]


def _ppa(rng, g):
    # Peripapillary atrophy: a pale crescent on the temporal side of the disc.
    r = 0.5 * g.dd * rng.uniform(1.05, 1.35)
    x, y = g.disc + np.array([0.15 * g.dd, 0])
    return [(x, y, r, 0.5 * g.dd * 1.1, 0.0, rng.uniform(0.5, 0.8))]


def _macular_hole(rng, g):
    r = 0.12 * g.dd * rng.uniform(0.8, 1.3)
    return [(g.fovea[0], g.fovea[1], r, r, 0.0, 0.95)]


def _macular_scar(rng, g):
    r = 0.45 * g.dd * rng.uniform(0.7, 1.3)
    x, y = g.fovea + rng.normal(0, 0.15, 2) * g.dd
    return [(x, y, r, r * rng.uniform(0.6, 1.0), rng.uniform(0, 180), 0.85)]


def _serous_detachment(rng, g):
    r = 0.7 * g.dd * rng.uniform(0.8, 1.2)
    return [(g.fovea[0], g.fovea[1], r, r * 0.85, rng.uniform(0, 180), 0.35)]


def _erm(rng, g):
    # Epiretinal membrane: an irregular glistening sheen over the macula.
    pts = _around(rng, g.fovea, 0.8 * g.dd, rng.integers(4, 9))
    return _round(pts, 0.3, g, rng, opacity=(0.25, 0.45), aspect=(0.3, 0.7))


def _laser_scars(rng, g):
    ang = rng.uniform(0, 2 * np.pi, rng.integers(20, 60))
    rad = rng.uniform(0.55, 0.85, len(ang)) * g.fov_r
    pts = g.fov_c + np.stack([rad * np.cos(ang), rad * np.sin(ang)], 1)
    return _round(pts, 0.09, g, rng, opacity=(0.6, 0.95))


def _asteroid_bodies(rng, g):
    return _round(_in_fov(g, _around(rng, g.fov_c, g.fov_r, rng.integers(30, 90))), 0.03, g, rng, opacity=(0.5, 0.9))


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("microaneurysms", (0.45, 0.05, 0.04), 0.01, _microaneurysms, "tiny dark-red dots (DR)"),
    Family("haemorrhages", (0.42, 0.06, 0.05), 0.03, _haemorrhages, "dot and blot haemorrhages (DR)"),
    Family("hard_exudates", (0.98, 0.92, 0.45), 0.01, _hard_exudates, "yellow waxy clusters near the macula (DR)"),
    Family("cotton_wool_spots", (0.95, 0.9, 0.82), 0.08, _cotton_wool, "pale fluffy nerve-fibre infarcts"),
    Family("drusen", (0.95, 0.82, 0.45), 0.03, _drusen, "yellow deposits around the macula (drusen, AMD)"),
    Family("pigment_clumps", (0.18, 0.09, 0.05), 0.02, _pigment, "dark pigment clumps at the macula (AMD)"),
    Family("flame_haemorrhages", (0.5, 0.06, 0.04), 0.03, _flame_haemorrhages, "flame-shaped haemorrhages in one quadrant (BRVO)"),
    Family("central_vein_occlusion", (0.5, 0.06, 0.04), 0.03, lambda r, g: _flame_haemorrhages(r, g, 4), "flame haemorrhages in all quadrants (CRVO)"),
    Family("peripapillary_atrophy", (0.92, 0.78, 0.6), 0.05, _ppa, "pale temporal crescent at the disc (myopia)"),
    Family("macular_hole", (0.55, 0.1, 0.06), 0.01, _macular_hole, "sharp round dark-red spot at the fovea"),
    Family("macular_scar", (0.85, 0.75, 0.55), 0.04, _macular_scar, "pale fibrotic scar with pigment at the macula"),
    Family("serous_detachment", (0.9, 0.55, 0.35), 0.15, _serous_detachment, "round blister at the macula (CSR)"),
    Family("epiretinal_membrane", (1.0, 0.95, 0.9), 0.1, _erm, "glistening sheen over the macula"),
    Family("laser_scars", (0.3, 0.18, 0.1), 0.02, _laser_scars, "rows of pigmented laser spots in the periphery"),
    Family("asteroid_bodies", (0.98, 0.97, 0.9), 0.01, _asteroid_bodies, "scattered bright vitreous bodies"),
)}

"""How close the twin's pictures are to real photographs: galleries, statistics with distances.

Statistics (:mod:`.photo_stats`) are computed on real sets in the data root and on twins
rendered by simulator v1 (today's default, random styles) and v2 (anatomical trees, fitted
colours; random styles, and the style fitted to the real set compared with), at the same grid.
Every distance is between a twin and one real set:

* per-image scalars (vessel share, branch points, median tortuosity, disc brightness):
  the 1-Wasserstein distance between the per-image values;
* pooled values (calibres, orientations): the 1-Wasserstein distance between all of them;
* colour: the Frechet distance between Gaussians fitted to the per-image mean RGB (x 100),
  and the relative Frobenius distance between the mean pixel covariances.

Vessel statistics need vessel masks (DRIVE, CHASE_DB1), disc brightness needs disc masks
(REFUGE, Drishti-GS1); colour is measured on all four.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import linalg
from scipy.stats import wasserstein_distance

from ..data.registry import present
from ..data.simulator import render, sample_scene
from ..data.simulator.lesion_looks import LOOKS
from . import photo_stats as ps
from .colour_fit import DEVICES, real_pictures

VESSEL_SETS = ("DRIVE", "CHASE_DB1")
DISC_SETS = ("REFUGE", "Drishti-GS1")
COLOUR_SETS = ("REFUGE", "Drishti-GS1", "DRIVE", "CHASE_DB1")
SCALARS = ("vessel fraction", "branch points", "median tortuosity", "disc brightness")
POOLED = ("calibre", "orientation")


@dataclass
class Measured:
    """Per-image scalars (one row per picture) and pooled samples of one group of pictures."""

    name: str
    scalars: pd.DataFrame
    pooled: dict[str, np.ndarray]
    colours: np.ndarray      # N x 3 per-image mean RGB
    pixel_cov: np.ndarray    # mean within-image 3 x 3 covariance


def measure(name: str, pictures, vessels: bool, discs: bool) -> Measured:
    """Every statistic of a group of :class:`~.photo_stats.Picture` (the masks asked for must exist)."""
    rows, calibres, angles, colours, covs = [], [], [], [], []
    for p in pictures:
        mean, cov = ps.colour(p)
        colours.append(mean)
        covs.append(cov)
        row = {}
        if vessels:
            tort = ps.tortuosity(p)
            row.update({"vessel fraction": ps.vessel_fraction(p), "branch points": ps.branch_points(p),
                        "median tortuosity": float(np.median(tort)) if len(tort) else np.nan})
            calibres.append(ps.calibres(p))
            angles.append(ps.orientations(p))
        if discs:
            row["disc brightness"] = ps.disc_brightness(p)
        rows.append(row)
    pooled = {"calibre": np.concatenate(calibres), "orientation": np.concatenate(angles)} if vessels else {}
    return Measured(name, pd.DataFrame(rows), pooled, np.asarray(colours), np.mean(covs, 0))


def twin_pictures(simulator: str, n: int, size: int, seed: int, style: str | None = None, grid: int = ps.GRID):
    """Pictures of ``n`` eyes rendered by ``simulator`` (random styles unless ``style``), on the common grid."""
    for i in range(n):
        out = render(sample_scene(seed + i, style=style, simulator=simulator), size)
        yield ps.on_grid(out.image, out.fov, out.vessels, out.od, grid)


def _frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to the rows of ``a`` and ``b``."""
    ca, cb = np.cov(a.T), np.cov(b.T)
    root = linalg.sqrtm(ca @ cb).real
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * root))


def distances(twin: Measured, real: Measured) -> dict[str, float]:
    """Distances (module docstring) of a twin group from a real group, for the statistics both have."""
    out = {}
    for stat in SCALARS:
        if stat in twin.scalars and stat in real.scalars:
            a, b = twin.scalars[stat].dropna(), real.scalars[stat].dropna()
            if len(a) < len(twin.scalars) or len(b) < len(real.scalars):
                raise ValueError(f"{stat}: {len(twin.scalars) - len(a)} twin / {len(real.scalars) - len(b)} real "
                                 "pictures have no value; none may be dropped silently")
            out[stat] = wasserstein_distance(a, b)
    for stat in POOLED:
        if stat in twin.pooled and stat in real.pooled:
            out[stat] = wasserstein_distance(twin.pooled[stat], real.pooled[stat])
    out["colour mean (Frechet x 100)"] = 100 * _frechet(twin.colours, real.colours)
    out["pixel covariance (relative)"] = float(np.linalg.norm(twin.pixel_cov - real.pixel_cov)
                                               / np.linalg.norm(real.pixel_cov))
    return out


def summary_values(m: Measured) -> dict[str, float]:
    """Medians of the scalars and pooled samples (what the distances compare)."""
    out = {stat: float(m.scalars[stat].median()) for stat in SCALARS if stat in m.scalars}
    out.update({stat: float(np.median(v)) for stat, v in m.pooled.items()})
    return out


def study(root, n_twin: int, size: int, seed: int, limit: int | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Measured]]]:
    """(distances, medians, measured) of v1 / v2 / v2-with-the-set's-own-style twins against every real set present.

    ``distances``: one row per (real set, statistic) with each twin's distance and whether v2
    (random styles) is closer than v1; ``medians``: each group's medians per statistic;
    ``measured``: real set -> group (the set itself and the twin groups) -> :class:`Measured`.
    """
    rows, medians, measured = [], [], {}
    for name in DEVICES:
        if not present(name, root):
            continue
        vessels, discs = name in VESSEL_SETS, name in DISC_SETS
        real = measure(name, real_pictures(name, root, ps.GRID, limit, vessels=vessels), vessels, discs)
        groups = {"v1": measure("v1", twin_pictures("v1", n_twin, size, seed), vessels, discs),
                  "v2": measure("v2", twin_pictures("v2", n_twin, size, seed), vessels, discs),
                  "v2 fitted to this set": measure("v2 own", twin_pictures("v2", n_twin, size, seed, style=name),
                                                   vessels, discs)}
        dist = {g: distances(m, real) for g, m in groups.items()}
        for stat in dist["v1"]:
            rows.append({"real set": name, "statistic": stat, "images": len(real.colours),
                         **{f"{g} distance": round(d[stat], 4) for g, d in dist.items()},
                         "v2 closer than v1": bool(dist["v2"][stat] < dist["v1"][stat])})
        measured[name] = {name: real, **groups}
        for group, m in measured[name].items():
            medians.append({"real set": name, "pictures": group, **summary_values(m)})
    return pd.DataFrame(rows), pd.DataFrame(medians), measured


def distribution_figure(measured: dict[str, dict[str, Measured]]) -> Figure:
    """Calibre and orientation histograms (density) of each vessel set and its twin groups."""
    sets = [name for name in VESSEL_SETS if name in measured]
    fig, axes = plt.subplots(max(len(sets), 1), 2, figsize=(9, 2.6 * max(len(sets), 1)), squeeze=False)
    for row, name in zip(axes, sets):
        for group, m in measured[name].items():
            style = dict(lw=2.2, color="black") if group == name else dict(lw=1.2)
            for ax, stat, bins in ((row[0], "calibre", np.linspace(0, 25, 26)), (row[1], "orientation", np.linspace(0, 90, 19))):
                ax.hist(m.pooled[stat], bins=bins, density=True, histtype="step", label=group, **style)
        row[0].set(xlabel="calibre (1/1000 of the FOV diameter)", ylabel=f"{name}\ndensity")
        row[1].set(xlabel="vessel direction vs the horizontal axis (degrees)")
        row[1].legend(fontsize=7, frameon=False, ncol=2, loc="lower center")
    fig.tight_layout()
    return fig


def gallery(root, size: int, seed: int, per_set: int = 3) -> Figure:
    """Real vs twin at equal size: per real set, its pictures, then v2 twins in its fitted style, then v1."""
    sets = [name for name in DEVICES if present(name, root)]
    fig, axes = plt.subplots(len(sets) or 1, 3 * per_set, figsize=(1.6 * 3 * per_set, 1.75 * max(len(sets), 1)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for k, (row, name) in enumerate(zip(axes, sets)):
        real = [p.image for p, _ in zip(real_pictures(name, root, size), range(per_set))]
        v2 = [p.image for p in twin_pictures("v2", per_set, size, seed + 100 * k, style=name, grid=size)]
        v1 = [p.image for p in twin_pictures("v1", per_set, size, seed + 100 * k, grid=size)]
        for k, (ax, image) in enumerate(zip(row, [*real, *v2, *v1])):
            ax.imshow(image)
            if k % per_set == 0:
                ax.set_title(["real " + name, "twin v2, " + name + " colours", "twin v1"][k // per_set], fontsize=8,
                             loc="left")
    fig.tight_layout()
    return fig


def lesion_figure(seed: int, size: int = 512, style: str = "canon") -> Figure:
    """Close-ups of the lesions v2 paints its own way: v1, v2, and v2 with its exact mask outlined.

    Each crop is centred on the lesion mask's bounding box and at least 1.4 disc diameters wide.
    """
    families = [f for f in LOOKS if f != "central_vein_occlusion"]  # CRVO: flame haemorrhages everywhere
    fig, axes = plt.subplots(3, len(families), figsize=(1.7 * len(families), 5.4), squeeze=False)
    for j, family in enumerate(families):
        for i, simulator in enumerate(("v1", "v2")):
            scene = sample_scene(seed + j, style=style, findings=(family,), simulator=simulator)
            out = render(scene, size)
            rows, cols = _crop(out.lesions[family], 1.4 * scene.dd * size)
            axes[i, j].imshow(out.image[rows, cols])
            if i == 1:
                axes[2, j].imshow(out.image[rows, cols])
                axes[2, j].contour(out.lesions[family][rows, cols], levels=[0.5], colors="cyan", linewidths=0.6)
        axes[0, j].set_title(family.replace("_", " "), fontsize=8)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    for ax, label in zip(axes[:, 0], ("v1", "v2", "v2 + mask")):
        ax.set_ylabel(label, fontsize=8)
    fig.tight_layout()
    return fig


def _crop(mask: np.ndarray, min_px: float) -> tuple[slice, slice]:
    """A square around the bounding box of ``mask``, at least ``min_px`` wide, inside the picture."""
    ys, xs = np.nonzero(mask)
    if not len(ys):
        raise ValueError("the lesion mask is empty: nothing to show")
    side = min(int(max(np.ptp(ys), np.ptp(xs), min_px)) + 8, min(mask.shape))
    cy, cx = (ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2
    top = int(np.clip(cy - side // 2, 0, mask.shape[0] - side))
    left = int(np.clip(cx - side // 2, 0, mask.shape[1] - side))
    return slice(top, top + side), slice(left, left + side)

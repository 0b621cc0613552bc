"""Joint fovea and optic-disc localisation by regressing the normalised bi-distance map.

Zhao, Liu, Zhang, Lei (Sec. 3), following Meyer, Galdran, Mendonça, Campilho, "A
pixel-wise distance regression approach for joint retinal optical disc and fovea
detection", MICCAI 2018, LNCS 11071:39-47.

From the paper
    * Bi-distance map (Eq. 1): ``B(x, y)`` = Euclidean distance from pixel (x, y) to the
      nearer of the OD centre and the fovea; normalised (Eq. 2):
      ``B^N = (1 - B / max_Omega B) ** gamma`` with ``gamma = 7`` (1 at both landmarks,
      0 at the pixel farthest from both).
    * A U-Net regresses ``B^N`` pixel by pixel on the whole image resized to 512 px;
      a Laplacian-of-Gaussian operator extracts the two most prominent maxima.
Our reading (the paper is silent)
    * Loss: L2 (mean squared error) between the U-Net's linear output and ``B^N``
      (predictions clipped to [0, 1] at inference).
    * Peaks: local maxima of ``-sigma^2 * LoG(prediction)`` (scale-normalised, so bright
      blobs of radius about ``sigma * sqrt(2)`` respond most), at least ``2 * sigma`` apart;
      the two strongest are kept.
    * Which peak is which: the map is symmetric in its two landmarks, so the image
      decides. The optic disc is the brightest structure of a fundus photograph and
      the fovea the darkest: the peak whose neighbourhood (radius ``sigma``) is brighter
      in the image (mean of the RGB channels) is the OD centre, the other the fovea.
      With a single peak found, it is assigned by the same brightness test against the
      image's field-of-view mean and the other landmark is missing (NaN).
    * OD centre ground truth: centre of mass of the OD mask where one exists (REFUGE
      defines its disc by the mask), else the table's ``od_x``/``od_y``. Errors are
      Euclidean distances in pixels of the network input and in disc diameters (vertical
      extent of the ground-truth OD mask), as the ADAM/REFUGE challenges report them.
Baseline (the MTL-IO paper, Pascal et al. 2022)
    * A Gaussian heatmap at the fovea (variance 50 px^2 at 256 px, see
      :func:`fundus_utils.data.targets.fovea_heatmap`), regressed with L1 by the
      same U-Net through a sigmoid; the fovea is the centre of mass of the prediction
      (:func:`fundus_utils.evaluation.postprocess.fovea_location`). It locates no OD.
Bars (:func:`bars`)
    * Each landmark's **median** error in disc diameters must beat the image-blind mean training
      position (:func:`fundus_utils.evaluation.mean_position`) on the same test images (paired
      bootstrap, :func:`paired_median`); the mean is reported beside it, not asserted, because a
      few large errors (a swapped or stray peak) decide the mean's interval. A landmark the LoG
      finds no peak for is scored at the image diagonal (in that image's disc diameters) and
      counted as missed, never dropped, under both summaries.
Training: fastai's RAdam in ``full`` (:func:`fundus_utils.train.schedules.radam`, the chapter's
one RAdam); each regressor seeds from ``cfg.seed`` (:func:`train_methods`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from scipy import ndimage
from skimage.feature import peak_local_max
from torch import nn
from torch.nn import functional as F
from timm.data import IMAGENET_DEFAULT_MEAN as IMAGENET_MEAN, IMAGENET_DEFAULT_STD as IMAGENET_STD

from ..config import Config
from ..data import load_resized
from ..data.arrays import PerImage, channels_first
from ..data.io import image_size
from ..data.targets import fovea_heatmap, fovea_variance
from ..evaluation import Bar, centre_of_mass, mean_position, paired_mean, vertical_extent
from ..evaluation.postprocess import fovea_location
from ..evaluation.stats import bootstrap_ci, ci_text
from ..models import create_model
from ..train.learner import fitting, make_learner, predict_batches
from ..train.loaders import holdout_dls, random_flips
from ..train.schedules import fit_with_schedule, optimizer



# --------------------------------------------------------------------------- targets
def _check_xy(xy: tuple[float, float] | np.ndarray, name: str) -> np.ndarray:
    xy = np.asarray(xy, float)
    if xy.shape != (2,) or not np.isfinite(xy).all():
        raise ValueError(f"{name}: expected a finite (x, y) pair, got {xy!r}")
    return xy


def bi_distance_map(od_xy: tuple[float, float], fovea_xy: tuple[float, float], shape: int | tuple[int, int],
                    gamma: float = 7.0) -> np.ndarray:
    """Normalised bi-distance map ``B^N`` (Eqs. 1-2), float32 ``H x W`` in [0, 1].

    ``od_xy`` and ``fovea_xy`` are pixel coordinates (x = column, y = row) in the map's grid.
    """
    h, w = (shape, shape) if isinstance(shape, int) else shape
    if h < 2 or w < 2:
        raise ValueError(f"shape: a map needs at least 2 x 2 pixels, got {h} x {w}")
    if gamma <= 0:
        raise ValueError(f"gamma must be positive, got {gamma}")
    od, fov = _check_xy(od_xy, "od_xy"), _check_xy(fovea_xy, "fovea_xy")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    b = np.minimum(np.hypot(xx - od[0], yy - od[1]), np.hypot(xx - fov[0], yy - fov[1]))
    return ((1.0 - b / b.max()) ** gamma).astype(np.float32)


# --------------------------------------------------------------------------- peaks
def log_peaks(prediction: np.ndarray, sigma: float, n: int = 2, min_distance: int | None = None) -> np.ndarray:
    """The ``n`` strongest blob centres of a 2-D map by Laplacian of Gaussian: ``(k, 3)`` rows of x, y, response.

    Response = ``-sigma**2 * LoG`` (bright blobs positive); only positive local maxima
    at least ``min_distance`` (default ``2 * sigma``) pixels apart are returned, strongest first.
    """
    prediction = np.asarray(prediction, float)
    if prediction.ndim != 2:
        raise ValueError(f"prediction: expected one 2-D map, got shape {prediction.shape}")
    if not np.isfinite(prediction).all():
        raise ValueError("prediction: map contains NaN or infinite values")
    response = -(sigma ** 2) * ndimage.gaussian_laplace(prediction, sigma)
    dist = max(1, int(round(2 * sigma))) if min_distance is None else int(min_distance)
    coords = peak_local_max(response, min_distance=dist, num_peaks=n, exclude_border=False, threshold_abs=1e-12)
    if len(coords) == 0:
        return np.zeros((0, 3))
    rows = np.array([(c, r, response[r, c]) for r, c in coords], float)
    return rows[np.argsort(-rows[:, 2])]


def _brightness(image: np.ndarray, xy: np.ndarray, radius: float) -> float:
    """Mean intensity (RGB mean) of ``image`` (``H x W x 3`` or ``3 x H x W``) within ``radius`` of ``xy``."""
    img = image if image.shape[-1] == 3 else np.moveaxis(image, 0, -1)
    grey = img.astype(float).mean(-1)
    yy, xx = np.indices(grey.shape)
    near = np.hypot(xx - xy[0], yy - xy[1]) <= max(radius, 1.0)
    return float(grey[near].mean())


def assign_landmarks(peaks: np.ndarray, image: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(OD centre, fovea) from up to two peaks: the brighter neighbourhood in ``image`` is the disc.

    Missing landmarks are ``(nan, nan)``. See the module docstring for the rule.
    """
    nan = np.array([np.nan, np.nan])
    if len(peaks) == 0:
        return nan, nan
    if len(peaks) == 1:
        xy = peaks[0, :2]
        img = image if image.shape[-1] == 3 else np.moveaxis(image, 0, -1)
        fov = img.max(-1) > 15
        mean = float(img.astype(float).mean(-1)[fov].mean()) if fov.any() else float(img.mean())
        return (xy, nan) if _brightness(image, xy, radius) >= mean else (nan, xy)
    a, b = peaks[0, :2], peaks[1, :2]
    return (a, b) if _brightness(image, a, radius) >= _brightness(image, b, radius) else (b, a)


def locate_bidistance(maps: np.ndarray, images: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """OD centres and foveae ``(N, 2)`` each from predicted bi-distance maps ``(N, H, W)`` and their images."""
    od, fov = [], []
    for m, img in zip(maps, images):
        o, f = assign_landmarks(log_peaks(m, sigma), img, sigma)
        od.append(o)
        fov.append(f)
    return np.array(od).reshape(-1, 2), np.array(fov).reshape(-1, 2)


def locate_heatmap(maps: np.ndarray) -> np.ndarray:
    """Foveae ``(N, 2)`` as centres of mass of predicted heatmaps (the MTL-IO baseline)."""
    return np.array([fovea_location(m) for m in maps], float).reshape(-1, 2)


# --------------------------------------------------------------------------- data
@dataclass
class LandmarkData(PerImage):
    """Whole images at ``size`` px with their OD centre, fovea and disc diameter in that grid."""

    image_id: np.ndarray   # (N,) str
    x: np.ndarray          # (N, 3, H, W) uint8
    od_xy: np.ndarray      # (N, 2) float, NaN when unknown
    fovea_xy: np.ndarray   # (N, 2) float, NaN when unknown
    disc_diameter: np.ndarray  # (N,) px, vertical extent of the GT OD mask (NaN without mask)
    size: int
    patient_id: np.ndarray | None = None  # (N,) str; None: every image its own patient (hold-outs draw patients)

    @property
    def has_both(self) -> np.ndarray:
        return np.isfinite(self.od_xy).all(1) & np.isfinite(self.fovea_xy).all(1)


def prepare_landmarks(table: pd.DataFrame, size: int) -> LandmarkData:
    """:class:`LandmarkData` of ``table``'s rows: images and GT OD masks resized to ``size``, landmarks rescaled."""
    if len(table) == 0:
        raise ValueError("prepare_landmarks: the table has no rows")
    table = table.reset_index(drop=True)
    has_mask = np.array([isinstance(p, str) and bool(p) for p in table.get("od_mask", pd.Series([""] * len(table)))])
    arr = load_resized(table, size, ["image"] + (["od_mask"] if has_mask.any() else []), missing="zeros")
    od_mask = arr.get("od_mask")
    wh = np.array([image_size(p) for p in table["image"]], float)
    scale = np.stack([size / wh[:, 0], size / wh[:, 1]], 1)

    def column(name: str) -> np.ndarray:
        return pd.to_numeric(table.get(name, pd.Series(np.nan, index=table.index)), errors="coerce").to_numpy(float)

    fovea = np.stack([column("fovea_x"), column("fovea_y")], 1) * scale
    od = np.stack([column("od_x"), column("od_y")], 1) * scale
    diam = np.full(len(table), np.nan)
    for i in np.flatnonzero(has_mask):
        if od_mask[i].any():
            od[i] = centre_of_mass(od_mask[i].astype(float))
            diam[i] = vertical_extent(od_mask[i])
    x = channels_first(arr["image"])
    return LandmarkData(table["image_id"].astype(str).to_numpy(), x, od, fovea, diam, size,
                        table["patient_id"].astype(str).to_numpy())


def target_maps(d: LandmarkData, kind: str, gamma: float = 7.0, variance_256: float = 50.0) -> np.ndarray:
    """Regression targets ``(N, H, W)``: ``"bidistance"`` (B^N) or ``"heatmap"`` (Gaussian at the fovea)."""
    if kind == "bidistance":
        if not d.has_both.all():
            raise ValueError(f"bi-distance targets need OD centre and fovea for every image; missing in "
                             f"{d.image_id[~d.has_both][:5].tolist()}")
        return np.stack([bi_distance_map(o, f, d.size, gamma) for o, f in zip(d.od_xy, d.fovea_xy)])
    if kind == "heatmap":
        var = fovea_variance(d.size, variance_256)
        return np.stack([fovea_heatmap(f[0], f[1], d.size, var) for f in d.fovea_xy])
    raise ValueError(f"kind must be 'bidistance' or 'heatmap', got {kind!r}")


# --------------------------------------------------------------------------- training
class MapLoss(nn.Module):
    """L2 (``"l2"``) or L1 (``"l1"``) between the network output and a target map in [0, 1].

    ``output="linear"``: the raw output is the map (the bi-distance regression: a linear
    head starts near 0, where most of ``B^N`` lies, and its gradients never saturate);
    ``output="sigmoid"``: ``sigmoid(output)`` is the map (the MTL-IO heatmap, as its code does).
    """

    def __init__(self, kind: str = "l2", output: str = "linear") -> None:
        super().__init__()
        if kind not in ("l1", "l2"):
            raise ValueError(f"loss must be 'l1' or 'l2', got {kind!r}")
        if output not in ("linear", "sigmoid"):
            raise ValueError(f"output must be 'linear' or 'sigmoid', got {output!r}")
        self.kind, self.output = kind, output

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        p = self.activation(logits.float())
        t = target.float().reshape(p.shape)
        return F.mse_loss(p, t) if self.kind == "l2" else F.l1_loss(p, t)

    def activation(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x) if self.output == "sigmoid" else x


def fit_map_regressor(x: np.ndarray, maps: np.ndarray, cfg: Config, loss: str = "l2", output: str = "linear",
                      valid_fraction: float = 0.1, progress: bool | None = None,
                      patients: Sequence | None = None, seed: int = 0):
    """Train a U-Net (``cfg.fovea.width``, ``cfg.fovea.depth``) to regress ``maps`` from images ``x``.

    Optimiser, schedule, epochs, batch size and learning rate come from ``cfg.fovea_*``;
    ``valid_fraction`` of the samples, whole ``patients`` drawn by ``seed``, only monitors
    training. Returns the fastai Learner.
    """
    if len(x) != len(maps):
        raise ValueError(f"x has {len(x)} images but maps has {len(maps)}")
    dls = holdout_dls(x, maps[:, None].astype(np.float32), patients, valid_fraction, seed, bs=cfg.fovea.bs,
                      device=cfg.device, augment=_hflip, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                      num_workers=None if cfg.device != "cpu" else 0)
    model = create_model("unet", in_channels=3, out_channels=1, width=cfg.fovea.width, depth=cfg.fovea.depth)
    learn = make_learner(dls, model, MapLoss(loss, output), cfg=cfg, lr=cfg.fovea.lr, opt=optimizer(cfg.fovea.opt),
                         progress=progress)
    fit_with_schedule(learn, cfg.fovea.epochs, cfg.fovea.lr, cfg.fovea.schedule)
    return learn


def _hflip(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Horizontal flips only: left and right eyes swap, the vertical anatomy (disc above/below fovea) stays."""
    return random_flips(x, y, vertical=False)


def predict_maps(learn, x: np.ndarray, cfg: Config, bs: int = 16) -> np.ndarray:
    """Predicted maps ``(N, H, W)``, clipped to [0, 1] (the loss's output activation applied)."""
    out = predict_batches(learn.model, x, bs=bs, device=cfg.device, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                          activation=learn.loss_func.activation, amp=cfg.amp, channels_last=cfg.channels_last)[:, 0]
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------- experiment
def open_tables(cfg: Config) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Training table (rows with OD centre and fovea) and named test tables.

    The twin ``cfg.fovea.twin`` gives both (``cfg.fovea.train_splits`` / ``cfg.fovea.test_splits``);
    with ``cfg.fovea.real_test`` set (the real profile), that dataset's test split is a further
    test set, scored where it has ground truth (this REFUGE copy: OD centre only). Without a
    twin (full) the training data is ``cfg.dataset`` itself, which then must carry fovea positions.
    """
    from ..data import open_dataset

    if cfg.fovea.twin is not None:
        table, name = open_dataset("synthetic-refuge", **cfg.fovea.twin), "synthetic-refuge"
    else:
        table, name = open_dataset(cfg.dataset, cfg.data_root), cfg.dataset
    train = table[table["split"].isin(cfg.fovea.train_splits)]
    fovea_known = pd.to_numeric(train.get("fovea_x", pd.Series(np.nan, index=train.index)), errors="coerce").notna()
    if not fovea_known.any():
        raise ValueError(f"{name}: no fovea positions in splits {cfg.fovea.train_splits}; the bi-distance map needs "
                         f"them (REFUGE's Training400 Fovea_location.xlsx, or run with a twin)")
    tests = {name: table[table["split"].isin(cfg.fovea.test_splits)]}
    if cfg.fovea.real_test:
        real = open_dataset(cfg.fovea.real_test, cfg.data_root)
        tests[cfg.fovea.real_test] = real[real["split"] == "test"]
    return train[fovea_known], tests


def train_methods(train: LandmarkData, cfg: Config, progress: bool | None = None):
    """Fit the bi-distance regressor (L2, linear output) and the heatmap baseline (L1, sigmoid); learners and seconds.

    Regressor ``k`` (bi-distance 0, heatmap 1) starts from ``seed_everything(cfg.seed + k)``.
    """
    import time

    from ..seed import seed_everything

    learners, seconds = {}, {}
    for k, (kind, loss, output) in enumerate((("bidistance", "l2", "linear"), ("heatmap", "l1", "sigmoid"))):
        t = time.perf_counter()
        seed_everything(cfg.seed + k)
        maps = target_maps(train, kind, cfg.fovea.gamma, cfg.fovea.heatmap_variance_256)
        with fitting(f"fovea {kind}"):
            learners[kind] = fit_map_regressor(train.x, maps, cfg, loss=loss, output=output, progress=progress,
                                               patients=train.patient_id, seed=cfg.seed + k)
        seconds[kind] = time.perf_counter() - t
    return learners, seconds


def predict_landmarks(learners: dict, test: LandmarkData, cfg: Config) -> dict[str, dict[str, np.ndarray]]:
    """Per method: predicted ``map`` and landmark coordinates (``od``, ``fovea``; the heatmap has no OD)."""
    sigma = cfg.fovea.log_sigma * test.size
    out = {}
    maps = predict_maps(learners["bidistance"], test.x, cfg)
    od, fov = locate_bidistance(maps, test.x, sigma)
    out["bidistance"] = {"map": maps, "od": od, "fovea": fov}
    maps = predict_maps(learners["heatmap"], test.x, cfg)
    out["heatmap"] = {"map": maps, "fovea": locate_heatmap(maps)}
    return out


METHOD_NAMES = {"bidistance": "bi-distance map + LoG (Zhao et al.)", "heatmap": "Gaussian heatmap + centre of mass (MTL-IO)",
                "mean": "mean training position (no image)", "random": "random point (chance)"}


def error_rows(preds: dict, test: LandmarkData, train: LandmarkData, seed: int = 0) -> dict[tuple[str, str], pd.DataFrame]:
    """Per-image errors per (method, landmark), with the two image-blind baselines; landmarks without GT are skipped."""
    rows = {}
    rand = random_points(len(test), test.size, seed)
    for landmark, truth, mean in (("fovea", test.fovea_xy, np.nanmean(train.fovea_xy, 0)),
                                  ("OD centre", test.od_xy, np.nanmean(train.od_xy, 0))):
        known = np.isfinite(truth).all(1)
        if not known.any():
            continue
        key = "fovea" if landmark == "fovea" else "od"
        for method, p in preds.items():
            if key in p:
                rows[(METHOD_NAMES[method], landmark)] = errors(p[key][known], truth[known], test.disc_diameter[known])
        rows[(METHOD_NAMES["mean"], landmark)] = errors(np.tile(mean, (known.sum(), 1)), truth[known],
                                                        test.disc_diameter[known])
        rows[(METHOD_NAMES["random"], landmark)] = errors(rand[known], truth[known], test.disc_diameter[known])
    return rows


def paired_median(name: str, method, baseline, worst, n_boot: int = 2000, seed: int = 0, margin: float = 0.0) -> Bar:
    """Bar on the **median** per-image error (lower is better): median(baseline) - median(method).

    The same paired bootstrap as :func:`fundus_utils.evaluation.paired_mean` (images resampled jointly,
    percentile 95 % CI, passes when its lower end exceeds ``margin``), with the median as the summary, so that a
    few large errors do not decide the bar. Misses (NaN) are scored at ``worst`` (scalar or per image) and
    counted in ``missing``: a miss is a large error for the median too, never dropped.
    """
    m = np.asarray(method, float)
    b = np.asarray(baseline, float)
    missing = int((~np.isfinite(m)).sum())
    w = np.broadcast_to(np.asarray(worst, float), m.shape)
    m, b = np.where(np.isfinite(m), m, w), np.where(np.isfinite(b), b, w)
    if m.shape != b.shape or m.ndim != 1 or len(m) == 0 or not (np.isfinite(m).all() and np.isfinite(b).all()):
        return Bar(name, np.nan, np.nan, np.nan, np.nan, np.nan, len(m), missing, margin)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(m), size=(n_boot, len(m)))
    boots = np.median(b[idx], axis=1) - np.median(m[idx], axis=1)
    lo, hi = np.quantile(boots, [0.025, 0.975])
    mm, mb = float(np.median(m)), float(np.median(b))
    return Bar(name, mm, mb, mb - mm, float(lo), float(hi), len(m), missing, margin)


def bars(preds: dict, test: LandmarkData, train: LandmarkData, label: str = "", summary: str = "median") -> list[Bar]:
    """Bars: the bi-distance error (DD) of each landmark with ground truth against the mean training position.

    ``summary="median"`` (the asserted bars, :func:`paired_median`) or ``"mean"`` (reported beside them,
    :func:`fundus_utils.evaluation.paired_mean`): a few large errors (a swapped or stray LoG peak, several DD
    each) make the mean's interval swing with the data draw and the float kernels, the median's much less.
    Misses (no peak assigned to the landmark) are scored at the image diagonal in that image's disc diameters
    (``worst=``) and counted in ``missing`` under both summaries.
    """
    if summary not in ("median", "mean"):
        raise ValueError(f"summary must be 'median' or 'mean', got {summary!r}")
    tag = f" ({label})" if label else ""
    out = []
    for landmark, key, truth, train_xy in (("fovea", "fovea", test.fovea_xy, train.fovea_xy),
                                           ("OD centre", "od", test.od_xy, train.od_xy)):
        known = np.isfinite(truth).all(1)
        if not known.any():
            continue
        diam = test.disc_diameter[known]
        method = errors(preds["bidistance"][key][known], truth[known], diam)["error_dd"]
        base = errors(mean_position(train_xy, int(known.sum())), truth[known], diam)["error_dd"]
        worst = np.hypot(test.size, test.size) / diam
        name = f"{landmark} error (DD, {summary}), bi-distance vs mean training position{tag}"
        if summary == "median":
            out.append(paired_median(name, method.to_numpy(), base.to_numpy(), worst))
        else:
            out.append(paired_mean(name, method, base, higher_is_better=False, worst=worst))
    return out


def examples_figure(test: LandmarkData, preds: dict, sigma: float, n: int = 4, seed: int = 0):
    """Per example: the picture with ground truth (white) and predictions, the predicted bi-distance map with its
    LoG peaks, and the predicted heatmap. Examples drawn at random, never by error."""
    import matplotlib.pyplot as plt

    from ..report import style

    truth, (heatmap, bidist) = style.TRUTH_COLOUR, style.PREDICTION_COLOURS

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(test), size=min(n, len(test)), replace=False))
    fig, axes = plt.subplots(len(idx), 3, figsize=(7.5, 2.5 * len(idx)), squeeze=False)
    for r, i in enumerate(idx):
        img = test.x[i].transpose(1, 2, 0)
        peaks = log_peaks(preds["bidistance"]["map"][i], sigma)
        panels = ((img, "picture"), (preds["bidistance"]["map"][i], "bi-distance map (pred.)"),
                  (preds["heatmap"]["map"][i], "heatmap (pred.)"))
        for c, (arr, title) in enumerate(panels):
            ax = axes[r, c]
            ax.imshow(arr, cmap=None if c == 0 else "magma", vmin=None if c == 0 else 0, vmax=None if c == 0 else 1)
            if np.isfinite(test.fovea_xy[i]).all():
                ax.plot(*test.fovea_xy[i], "+", color=truth, ms=10, mew=2)
            if np.isfinite(test.od_xy[i]).all():
                ax.plot(*test.od_xy[i], "x", color=truth, ms=8, mew=2)
            if c == 0:
                ax.plot(*preds["bidistance"]["fovea"][i], "+", color=bidist, ms=10, mew=1.5)
                ax.plot(*preds["bidistance"]["od"][i], "x", color=bidist, ms=8, mew=1.5)
                ax.plot(*preds["heatmap"]["fovea"][i], "+", color=heatmap, ms=10, mew=1.5)
            if c == 1 and len(peaks):
                ax.plot(peaks[:, 0], peaks[:, 1], "o", mfc="none", mec="cyan", ms=12)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title)
        axes[r, 0].set_ylabel(str(test.image_id[i]), fontsize=style.TICK_SIZE)
    fig.suptitle("white: ground truth (+ fovea, x OD centre); yellow: bi-distance; blue: heatmap; cyan: LoG peaks",
                 fontsize=style.TICK_SIZE)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- evaluation
def errors(pred_xy: np.ndarray, true_xy: np.ndarray, disc_diameter: np.ndarray) -> pd.DataFrame:
    """Per-image Euclidean error in px and in disc diameters (NaN where either point is missing)."""
    px = np.hypot(*(np.asarray(pred_xy, float) - np.asarray(true_xy, float)).T)
    return pd.DataFrame({"error_px": px, "error_dd": px / np.asarray(disc_diameter, float)})


def random_points(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Chance baseline: ``n`` points uniform over the square image (``(n, 2)``)."""
    return np.random.default_rng(seed).uniform(0, size, size=(n, 2))


def summarise(rows: dict[tuple[str, str], pd.DataFrame], digits: int = 2) -> pd.DataFrame:
    """Table of mean [95 % bootstrap CI] errors per (method, landmark); failures = missing predictions."""
    out = []
    for (method, landmark), e in rows.items():
        rec = {"method": method, "landmark": landmark, "n": int(len(e))}
        ok = e.dropna()
        rec["missed"] = int(len(e) - len(ok))
        for col, unit in (("error_px", "px"), ("error_dd", "DD")):
            if len(ok):
                m, lo, hi = bootstrap_ci(ok[col].to_numpy())
                rec[f"error ({unit})"] = ci_text(m, lo, hi, digits)
                rec[f"mean_{unit}"] = m
            else:
                rec[f"error ({unit})"] = "—"
                rec[f"mean_{unit}"] = np.nan
        rec["within 1 DD"] = float((ok["error_dd"] <= 1).mean()) if len(ok) else np.nan
        out.append(rec)
    return pd.DataFrame(out).set_index(["method", "landmark"])


__all__ = ["LandmarkData", "METHOD_NAMES", "MapLoss", "assign_landmarks", "bars", "bi_distance_map", "error_rows", "errors",
           "examples_figure", "fit_map_regressor", "open_tables", "paired_median", "predict_landmarks", "train_methods",
           "locate_bidistance", "locate_heatmap", "log_peaks", "predict_maps", "prepare_landmarks", "random_points",
           "summarise", "target_maps"]

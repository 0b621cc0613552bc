"""Simulator v2's painter: the layers of a scene drawn to look like a fundus photograph.

Back to front: choroidal background with a darker macula, the foveal pit and its pinpoint
reflex, nerve-fibre striations radiating from the disc; lesions (v1's families, painted as
``lesion_looks.py`` says); a crisp, slightly textured disc with a pallid cup; the vessel trees
of ``vasculature.py``, whose darkness grows with calibre (more blood along the light path,
Beer-Lambert) and whose large vessels carry a central light reflex (stronger on arteries);
then the camera: vignetting and an illumination gradient, per-channel gains and offsets that
give the field of view the mean colour and the channel variances of a real device (the
statistics transfer of Reinhard, Ashikhmin, Gooch & Shirley, "Color transfer between images",
IEEE CG&A 21(5), 2001, done per RGB channel; the targets are drawn from ``fitted.py``),
optical blur, sensor noise, JPEG.
"""
from __future__ import annotations

import cv2
import numpy as np

from .fitted import DEVICE_COLOURS
from .lesion_looks import paint_lesions
from .render import SHIFT, _noise, _spots, cup_ellipse, media_haze
from .scene import Scene

VEIN_ABSORB = np.array([0.22, 0.55, 0.45], np.float32)    # dark red, not black
ARTERY_ABSORB = np.array([0.10, 0.38, 0.32], np.float32)  # lighter, brighter red
REFLEX = {False: 0.13, True: 0.27}                        # central reflex strength (vein, artery)
DARK_CALIBRE_DD = 0.05                                     # calibre at which a vessel is fully dark
BASE = np.array([0.80, 0.37, 0.18], np.float32)           # choroid-and-RPE reflectance before the camera


def _background(scene: Scene, size: int, rng: np.random.Generator) -> np.ndarray:
    """Choroid, macula, fovea and nerve-fibre layer at <= 192 px (all smooth), upsampled."""
    work = min(size, 192)
    coords = (np.arange(work, dtype=np.float32) + 0.5) / work
    xx, yy = np.meshgrid(coords, coords)
    pigment = scene.fundus_colour[0] / 0.78  # v1's pigment draw, reused
    texture = 0.05 * _noise(rng, 6, work) + 0.03 * _noise(rng, 24, work) + 0.015 * _noise(rng, 96, work)
    img = BASE * np.array([1.0, pigment ** 0.5, pigment], np.float32) * (1 + texture[..., None])
    spaces = np.clip(1 - np.abs(_noise(rng, 40, work)), 0, 1) ** 2
    tess = 0.06 + 0.9 * scene.severity.get("tessellation", 0.0)
    img *= 1 - tess * 0.45 * spaces[..., None] * np.array([0.35, 0.75, 0.75], np.float32)
    dx, dy = xx - scene.disc[0], yy - scene.disc[1]
    r_disc = np.sqrt(dx ** 2 + dy ** 2) / scene.dd
    img += (scene.halo * np.exp(-r_disc ** 2 / 1.0))[..., None] * (np.array([0.95, 0.72, 0.55], np.float32) - img)
    # Nerve-fibre striations: fine streaks along radii from the disc, strongest in the arcuate bundles.
    theta = np.arctan2(dy, dx)
    streaks = np.interp(theta, np.linspace(-np.pi, np.pi, 721), rng.standard_normal(721)).astype(np.float32)
    streaks *= 0.7 + 0.3 * np.cos(r_disc * 3.0 + rng.uniform(0, 6.3))
    bundle = np.exp(-((r_disc - 1.4) / 1.0) ** 2) * (0.35 + 0.65 * np.abs(np.sin(theta)))
    img += (0.05 * scene.striation * np.clip(streaks, 0, None) * bundle)[..., None] * (0.95 - img)
    # Macula: darker, pigment-rich, about 1 DD in radius; the foveal pit darkest, with a pinpoint reflex.
    r_fov2 = ((xx - scene.fovea[0]) ** 2 + (yy - scene.fovea[1]) ** 2) / scene.dd ** 2
    img *= 1 - scene.macula_depth * np.exp(-r_fov2 / 1.0)[..., None] * np.array([0.35, 0.6, 0.55], np.float32)
    img *= 1 - 0.25 * np.exp(-r_fov2 / 0.02)[..., None] * np.array([0.3, 0.5, 0.5], np.float32)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR) if work != size else img
    if scene.foveal_reflex > 0.3:
        r = 0.02 * scene.dd
        _spots(img, [(*scene.fovea, r, r, 0.0, 0.6 * scene.foveal_reflex)], (0.95, 0.9, 0.8), 0.6 * r * size, size)
    return img


def _disc(img: np.ndarray, scene: Scene, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A crisp, bright, faintly textured disc; the cup is its palest part."""
    ry = scene.dd / 2
    pallor = scene.severity.get("disc_pallor", 0.0)
    oedema = scene.severity.get("disc_oedema", 0.0)
    rim = np.asarray(scene.disc_colour) * np.array([1.0, 0.85, 0.75])
    rim = rim * (1 - pallor) + np.array([1.0, 0.95, 0.85]) * pallor
    disc = (*scene.disc, ry * scene.disc_aspect, ry, scene.disc_angle, 0.8 * scene.rim_opacity)
    od = _spots(img, [disc], rim, (0.03 + 0.3 * oedema) * scene.dd * size, size)
    rows, cols = np.nonzero(od)
    if len(rows):  # mottled rim: capillaries and glial tissue
        grain = _noise(rng, 12, size)[rows, cols]
        img[rows, cols] *= (1 + 0.06 * grain)[:, None]
    centre, rx_c, ry_c = cup_ellipse(scene)
    cup = rim + 0.7 * (np.array([1.0, 0.95, 0.85]) - rim)
    oc = _spots(img, [(*centre, rx_c, ry_c, scene.disc_angle, scene.cup_opacity)], cup, 0.06 * scene.dd * size, size)
    return od, oc


def _draw_groups(layer: np.ndarray, start: np.ndarray, end: np.ndarray, thick: np.ndarray, value: np.ndarray) -> None:
    """Draw segments grouped by (thickness, value), lighter groups first (darker ones stay on top)."""
    segments = np.stack([start, end], 1)
    keys = thick * 16 + np.round(value * 15).astype(int)
    for key in np.unique(keys):
        mine = segments[keys == key]
        cv2.polylines(layer, list(mine), False, float(key % 16) / 15, int(key // 16), cv2.LINE_AA, SHIFT)


def _vessels(img: np.ndarray, scene: Scene, size: int) -> np.ndarray:
    """Vessels darkening with calibre and a central reflex on the large ones; returns the mask."""
    tree = scene.tree
    w_px = tree.width * size
    thick = np.maximum(np.round(w_px), 1).astype(int)
    start = np.round((tree.start * size - 0.5) * 2**SHIFT).astype(np.int32)
    end = np.round((tree.end * size - 0.5) * 2**SHIFT).astype(np.int32)
    cover = np.minimum(w_px, 1.0)  # partial volume of sub-pixel vessels
    dark = 0.55 + 0.45 * np.minimum(tree.width / (DARK_CALIBRE_DD * scene.dd), 1.0)
    coverage = {a: np.zeros((size, size), np.float32) for a in (False, True)}
    opacity = {a: np.zeros((size, size), np.float32) for a in (False, True)}
    reflex = np.zeros((size, size), np.float32)
    for artery in (False, True):
        mine = tree.artery == artery
        _draw_groups(coverage[artery], start[mine], end[mine], thick[mine], cover[mine])
        _draw_groups(opacity[artery], start[mine], end[mine], thick[mine], cover[mine] * dark[mine])
        big = mine & (w_px >= 3.5)
        _draw_groups(reflex, start[big], end[big], np.maximum(thick[big] // 4, 1), np.full(big.sum(), REFLEX[artery]))
    covered = np.maximum(coverage[False], coverage[True])
    where = covered > 0  # vessels cover a small part of the picture: blend only there
    k = np.float32(scene.vessel_contrast)
    img[where] *= (1 - opacity[False][where][:, None] * (k * VEIN_ABSORB)) * (1 - opacity[True][where][:, None] * (k * ARTERY_ABSORB))
    reflex = cv2.GaussianBlur(reflex, (0, 0), 0.6)
    shine = reflex > 0.01
    img[shine] += reflex[shine][:, None] * (np.array([1.0, 0.9, 0.85], np.float32) - img[shine])
    return covered >= 0.5


def _illumination(scene: Scene, size: int) -> np.ndarray:
    """Vignetting (the fitted fall-off at 0.875 of the FOV radius) and a linear gradient, at 64 px."""
    coords = (np.arange(64, dtype=np.float32) + 0.5) / 64
    xx, yy = np.meshgrid(coords, coords)
    r = np.sqrt((xx - 0.5) ** 2 + (yy - 0.5) ** 2) / scene.style.fov_radius
    gx, gy = scene.illumination
    light = (1 - scene.vignette / 0.875 ** 2.5 * np.minimum(r, 1.05) ** 2.5) * (1 + 0.4 * (gx * (xx - 0.5) + gy * (yy - 0.5)))
    return cv2.resize(np.clip(light, 0.05, None), (size, size), interpolation=cv2.INTER_LINEAR)


def colour_map(source_cov: np.ndarray, target_cov: np.ndarray) -> np.ndarray:
    """Per-channel gains that give each channel the target's variance (a diagonal 3 x 3 matrix).

    Channels are not mixed: a full covariance map (e.g. the linear Monge-Kantorovich one) turns
    the dark vignetted rim and the white disc into coloured halos, because the twin's channel
    correlations (vessels absorb green and blue most) differ from a camera's.
    """
    return np.diag(np.sqrt(np.diag(target_cov) / np.diag(source_cov)))


def _camera(img: np.ndarray, scene: Scene, size: int, fov: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Illumination, the fitted device's colours, blur, noise and JPEG."""
    s = scene.style
    img = media_haze(img, scene, size)
    img *= _illumination(scene, size)[..., None]
    if s.rim_glare > 0:  # smooth: drawn at 64 px and upsampled
        coords = (np.arange(64, dtype=np.float32) + 0.5) / 64
        r = np.hypot(coords[None, :] - 0.5, coords[:, None] - 0.5) / s.fov_radius
        angle = np.arctan2(coords[:, None] - 0.5, coords[None, :] - 0.5)
        alpha = s.rim_glare * np.clip(np.cos(angle - scene.glare_angle), 0, None) ** 2 * np.clip((r - 0.7) / 0.3, 0, 1) ** 2
        alpha = cv2.resize(alpha, (size, size), interpolation=cv2.INTER_LINEAR)
        img += alpha[..., None] * (np.asarray(s.glare_colour, np.float32) - img)
    step = max(size // 128, 1)  # the moments from a sparse grid of the field of view's pixels
    sample = img[::step, ::step][fov[::step, ::step]].astype(np.float64)
    mean, cov = sample.mean(0), np.cov(sample.T)
    target_cov = np.asarray(DEVICE_COLOURS[s.palette]["pixel_cov"]) * scene.colour_scale
    a = colour_map(cov, target_cov)
    affine = 255 * np.hstack([a, (np.asarray(scene.colour_mean) - a @ mean)[:, None]])
    out = np.clip(cv2.transform(img, affine.astype(np.float32)), 0, 255).astype(np.uint8)
    sigma = s.blur_dd * scene.dd * size
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    if scene.noise > 0:  # one noise field in every channel (JPEG keeps little chroma noise anyway)
        noise = np.empty(out.shape[:2], np.int16)
        cv2.setRNGSeed(int(rng.integers(2**31)))
        cv2.randn(noise, 0, 255 * scene.noise)
        out = cv2.add(out, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)  # saturating
    out[~fov] = 0
    if s.jpeg_quality < 100:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, s.jpeg_quality])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


def paint(scene: Scene, size: int, fov: np.ndarray, rng: np.random.Generator):
    """(image, od, oc, vessels, lesions) of a v2 scene in the canonical frame."""
    img = _background(scene, size, rng)
    lesions = paint_lesions(img, scene, size, rng)
    od, oc = _disc(img, scene, size, rng)
    vessels = _vessels(img, scene, size)
    return _camera(img, scene, size, fov, rng), od, oc, vessels, lesions

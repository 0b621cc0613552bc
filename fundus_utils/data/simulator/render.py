"""Render a :class:`Scene` to pixels and ground truth at any size.

Layers, back to front: choroidal background texture (with tessellation), macula,
lesions, optic disc and cup, vessels (arteries lighter than veins), media haze,
illumination (vignetting and gradient), then the device style (colour balance,
gamma, contrast, blur, noise, JPEG). Random textures come from fixed low-resolution
grids seeded by the scene, so one scene looks the same at 64 px and at 1024 px.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .lesions import FAMILIES
from .scene import Scene

SHIFT = 4  # sub-pixel bits for OpenCV drawing
VEIN_ABSORB = np.array([0.42, 0.72, 0.62], np.float32)
ARTERY_ABSORB = np.array([0.22, 0.5, 0.45], np.float32)


@dataclass
class Rendered:
    """A rendered eye: RGB image and its ground truth (masks are bool, size x size)."""

    image: np.ndarray
    od: np.ndarray
    oc: np.ndarray
    vessels: np.ndarray
    fov: np.ndarray
    lesions: dict[str, np.ndarray] = field(default_factory=dict)
    fovea_xy: tuple[float, float] = (np.nan, np.nan)
    od_xy: tuple[float, float] = (np.nan, np.nan)

    @property
    def lesion_union(self) -> np.ndarray:
        out = np.zeros_like(self.fov)
        for mask in self.lesions.values():
            out |= mask
        return out


def cup_ellipse(scene: Scene) -> tuple[np.ndarray, float, float]:
    """Cup centre and radii (rx, ry) such that cup height / disc height == scene.vcdr exactly.

    The cup shares the disc's tilt; its horizontal offset and width shrink until every
    boundary point lies inside the disc.
    """
    phi = np.deg2rad(scene.disc_angle)
    ry_d = scene.dd / 2
    rx_d = ry_d * scene.disc_aspect
    h_d = np.hypot(ry_d * np.cos(phi), rx_d * np.sin(phi))
    aspect, shift = scene.cup_aspect, scene.cup_shift
    t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    for _ in range(60):
        ry_c = scene.vcdr * h_d / np.hypot(np.cos(phi), aspect * np.sin(phi))
        rx_c = aspect * ry_c
        centre = scene.disc + np.array([shift * rx_d, 0.0])
        # Cup boundary in the disc's rotated frame, relative to the disc centre.
        bx = centre[0] - scene.disc[0] + rx_c * np.cos(t) * np.cos(phi) - ry_c * np.sin(t) * np.sin(phi)
        by = rx_c * np.cos(t) * np.sin(phi) + ry_c * np.sin(t) * np.cos(phi)
        u = bx * np.cos(phi) + by * np.sin(phi)
        v = -bx * np.sin(phi) + by * np.cos(phi)
        if np.max((u / rx_d) ** 2 + (v / ry_d) ** 2) <= 0.92:
            return centre, rx_c, ry_c
        shift *= 0.7
        aspect *= 0.97
    raise RuntimeError(f"scene {scene.seed}: no cup of vCDR {scene.vcdr:.2f} fits inside the disc")


def _noise(rng: np.random.Generator, grid: int, size: int) -> np.ndarray:
    """Smooth zero-mean, unit-variance noise drawn on a grid x grid lattice and resized."""
    small = rng.standard_normal((grid, grid)).astype(np.float32)
    big = cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)
    return (big - big.mean()) / (big.std() + 1e-6)


def _box(spots, size: int, margin: float) -> tuple[slice, slice]:
    """Pixel bounding box of elliptical spots (x, y, rx, ry, ...) plus ``margin`` (normalised)."""
    pts = np.asarray([(x, y, max(rx, ry)) for x, y, rx, ry, *_ in spots], np.float32)
    lo = np.clip(((pts[:, :2] - pts[:, 2:3]).min(0) - margin) * size - 1, 0, size).astype(int)
    hi = np.clip(((pts[:, :2] + pts[:, 2:3]).max(0) + margin) * size + 2, 0, size).astype(int)
    return slice(lo[1], hi[1]), slice(lo[0], hi[0])


def spot_layer(spots, size: int, margin_px: float):
    """Anti-aliased elliptical spots drawn with their opacities in their bounding box.

    Returns ``(rows, cols, layer, hard)``: the box, the float coverage layer inside it and the
    hard mask (half coverage of the strongest spot, whatever the contrast); None when no spot
    falls inside the picture.
    """
    if not spots:
        return None
    rows, cols = _box(spots, size, margin_px / size)
    if rows.stop <= rows.start or cols.stop <= cols.start:  # every spot outside the picture
        return None
    layer = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.float32)
    for x, y, rx, ry, angle, opacity in spots:
        centre = ((x * size - 0.5 - cols.start) * 2**SHIFT, (y * size - 0.5 - rows.start) * 2**SHIFT)
        axes = (max(int(round(rx * size * 2**SHIFT)), 1), max(int(round(ry * size * 2**SHIFT)), 1))
        cv2.ellipse(layer, tuple(int(round(c)) for c in centre), axes, float(angle), 0, 360, float(opacity),
                    -1, cv2.LINE_AA, SHIFT)
    return rows, cols, layer, layer >= 0.5 * max(opacity for *_, opacity in spots)


def _spots(img: np.ndarray, spots, colour, soft_px: float, size: int) -> np.ndarray:
    """Blend soft elliptical spots towards ``colour`` inside their bounding box; return the hard mask."""
    mask = np.zeros(img.shape[:2], bool)
    drawn = spot_layer(spots, size, 3 * soft_px)
    if drawn is None:
        return mask
    rows, cols, layer, hard = drawn
    mask[rows, cols] = hard
    alpha = cv2.GaussianBlur(layer, (0, 0), soft_px) if soft_px > 0.3 else layer
    patch = img[rows, cols]
    patch += alpha[..., None] * (np.asarray(colour, np.float32) - patch)
    return mask


def _smooth(rng: np.random.Generator, grids: tuple[int, ...], weights: tuple[float, ...], size: int) -> np.ndarray:
    """Sum of smooth noises, one per lattice size."""
    return sum(w * _noise(rng, g, size) for g, w in zip(grids, weights))


def _background(scene: Scene, size: int, rng: np.random.Generator) -> np.ndarray:
    """Choroidal background with macula, computed at <= 256 px (it is smooth) and upsampled."""
    work = min(size, 256)
    coords = (np.arange(work, dtype=np.float32) + 0.5) / work
    xx, yy = np.meshgrid(coords, coords)
    texture = _smooth(rng, (6, 24, 96), (0.06, 0.03, 0.012), work)
    img = np.asarray(scene.fundus_colour, np.float32) * (1 + texture[..., None])
    # Choroidal vessels: ridges of band-pass noise; tessellation shows the dark spaces between them.
    spaces = np.clip(1 - np.abs(_noise(rng, 40, work)), 0, 1) ** 2
    tess = 0.08 + 0.92 * scene.severity.get("tessellation", 0.0)
    img *= 1 - tess * 0.45 * spaces[..., None] * np.array([0.35, 0.75, 0.75], np.float32)
    # Peripapillary glow: the retina around the disc is often paler.
    d2 = ((xx - scene.disc[0]) ** 2 + (yy - scene.disc[1]) ** 2) / scene.dd ** 2
    img += (scene.halo * np.exp(-d2 / 1.2))[..., None] * (np.array([0.95, 0.8, 0.65], np.float32) - img)
    # Macula: darker, pigment-rich disc of about 1.5 DD around the fovea.
    r2 = ((xx - scene.fovea[0]) ** 2 + (yy - scene.fovea[1]) ** 2) / (0.75 * scene.dd) ** 2
    img *= 1 - scene.macula_depth * np.exp(-r2)[..., None] * np.array([0.3, 0.6, 0.55], np.float32)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR) if work != size else img


def _lesions(img: np.ndarray, scene: Scene, size: int) -> dict[str, np.ndarray]:
    return {name: _spots(img, spots, FAMILIES[name].colour, FAMILIES[name].softness_dd * scene.dd * size, size)
            for name, spots in scene.lesions.items()}


def _disc(img: np.ndarray, scene: Scene, size: int) -> tuple[np.ndarray, np.ndarray]:
    ry = scene.dd / 2
    pallor = scene.severity.get("disc_pallor", 0.0)
    oedema = scene.severity.get("disc_oedema", 0.0)
    disc_colour = np.asarray(scene.disc_colour) * (1 - pallor) + np.array([1.0, 0.95, 0.85]) * pallor
    disc = (*scene.disc, ry * scene.disc_aspect, ry, scene.disc_angle, scene.rim_opacity)
    od = _spots(img, [disc], disc_colour, (0.05 + 0.3 * oedema) * scene.dd * size, size)
    centre, rx_c, ry_c = cup_ellipse(scene)
    # The cup is the palest part of the disc: yellow-white, whatever the rim's colour.
    cup_colour = disc_colour + 0.85 * (np.array([1.0, 0.97, 0.88]) - disc_colour)
    oc = _spots(img, [(*centre, rx_c, ry_c, scene.disc_angle, scene.cup_opacity)], cup_colour,
                0.05 * scene.dd * size, size)
    return od, oc


def _sheen(img: np.ndarray, scene: Scene, size: int, rng: np.random.Generator) -> None:
    """Nerve-fibre-layer reflex: pale, streaky glints along the big arcade vessels."""
    if scene.sheen <= 0:
        return
    layer = np.zeros((size, size), np.float32)
    thick = max(int(0.35 * scene.dd * size), 1)
    for branch in scene.branches:
        if branch.widths[0] > 0.05 * scene.dd:
            pts = np.round((branch.points * size - 0.5) * 2**SHIFT).astype(np.int32)
            cv2.polylines(layer, [pts], False, 1.0, thick, cv2.LINE_AA, SHIFT)
    streaks = np.clip(_noise(rng, 64, size), 0, None)
    alpha = cv2.GaussianBlur(layer, (0, 0), 0.15 * scene.dd * size) * streaks * 0.25 * scene.sheen
    img += alpha[..., None] * (np.array([0.95, 0.9, 0.85], np.float32) - img)


def _vessels(img: np.ndarray, scene: Scene, size: int) -> np.ndarray:
    layers = {True: np.zeros((size, size), np.float32), False: np.zeros((size, size), np.float32)}
    for branch in scene.branches:
        w_px = branch.widths * size
        # Draw in runs of equal thickness; thin vessels get partial-volume contrast.
        thick = np.maximum(np.round(w_px), 1).astype(int)
        value = np.minimum(w_px, 1.0)
        cuts = np.flatnonzero(np.diff(thick)) + 1
        pts = np.round((branch.points * size - 0.5) * 2**SHIFT).astype(np.int32)
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(pts)]):
            seg = pts[max(a - 1, 0):b]
            if len(seg) >= 2:
                cv2.polylines(layers[branch.artery], [seg], False, float(value[a]), int(thick[a]), cv2.LINE_AA, SHIFT)
    veins, arteries = np.minimum(layers[False], 1), np.minimum(layers[True], 1)
    covered = np.maximum(veins, arteries)
    where = covered > 0  # vessels cover a small part of the picture: blend only there
    k = scene.vessel_contrast
    img[where] *= (1 - veins[where][:, None] * (k * VEIN_ABSORB)) * (1 - arteries[where][:, None] * (k * ARTERY_ABSORB))
    return covered >= 0.5


def _illumination(scene: Scene, size: int) -> np.ndarray:
    """Vignetting and a linear gradient (smooth: computed at 64 px and upsampled)."""
    coords = (np.arange(64, dtype=np.float32) + 0.5) / 64
    xx, yy = np.meshgrid(coords, coords)
    s = scene.style
    r = np.sqrt((xx - 0.5) ** 2 + (yy - 0.5) ** 2) / s.fov_radius
    gx, gy = scene.illumination
    light = s.brightness * (1 - s.vignette * np.minimum(r, 1.05) ** 2.5) * (1 + 0.5 * (gx * (xx - 0.5) + gy * (yy - 0.5)))
    return cv2.resize(np.clip(light, 0.05, None), (size, size), interpolation=cv2.INTER_LINEAR)


def media_haze(img: np.ndarray, scene: Scene, size: int) -> np.ndarray:
    """A cataract's or vitreous haze (finding ``media_haze``): blur and a veil; ``img`` unchanged without it."""
    haze = scene.severity.get("media_haze", 0.0)
    if not haze:
        return img
    img = cv2.GaussianBlur(img, (0, 0), 0.15 * haze * scene.dd * size)
    img += 0.45 * haze * (np.array([0.75, 0.6, 0.5], np.float32) - img)
    return img


def _camera(img: np.ndarray, scene: Scene, size: int, fov: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Media haze, illumination and the device: colour matrix, gamma, blur, noise, JPEG."""
    s = scene.style
    img = media_haze(img, scene, size)
    img *= _illumination(scene, size)[..., None]
    if s.rim_glare > 0:  # a bright halo over part of the field-of-view edge
        coords = (np.arange(size, dtype=np.float32) + 0.5) / size
        r = np.hypot(coords[None, :] - 0.5, coords[:, None] - 0.5) / s.fov_radius
        angle = np.arctan2(coords[:, None] - 0.5, coords[None, :] - 0.5)
        arc = np.clip(np.cos(angle - scene.glare_angle), 0, None) ** 2
        alpha = s.rim_glare * arc * np.clip((r - 0.7) / 0.3, 0, 1) ** 2
        img += alpha[..., None] * (np.asarray(s.glare_colour, np.float32) - img)
    # Gain, saturation and contrast are one affine colour transform (x 255 for uint8).
    sat = s.saturation * np.eye(3) + (1 - s.saturation) / 3
    matrix = 255 * s.contrast * sat @ np.diag(s.gain)
    affine = np.hstack([matrix, np.full((3, 1), 255 * 0.5 * (1 - s.contrast))]).astype(np.float32)
    out = np.clip(cv2.transform(img, affine), 0, 255).astype(np.uint8)
    lut = np.clip((np.arange(256) / 255.0) ** s.gamma * 255 + 0.5, 0, 255).astype(np.uint8)
    out = cv2.LUT(out, lut)
    sigma = s.blur_dd * scene.dd * size
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    if s.noise > 0:
        noise = np.empty(out.shape, np.int16)
        cv2.setRNGSeed(int(rng.integers(2**31)))
        cv2.randn(noise, 0, 255 * s.noise)
        out = np.clip(out + noise, 0, 255).astype(np.uint8)
    out[~fov] = 0
    if s.jpeg_quality < 100:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, s.jpeg_quality])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


def render(scene: Scene, size: int = 512) -> Rendered:
    """Pixels and ground truth of ``scene`` at ``size`` x ``size`` (64 to 1024 px and beyond)."""
    if size < 16:
        raise ValueError(f"size must be at least 16 px, got {size}")
    rng = np.random.default_rng(scene.texture_seed)
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    fov = (coords[None, :] - 0.5) ** 2 + (coords[:, None] - 0.5) ** 2 <= scene.style.fov_radius ** 2
    if scene.simulator == "v2":
        from .realistic import paint  # it draws with this module's helpers
        image, od, oc, vessels, lesions = paint(scene, size, fov, rng)
    else:
        img = _background(scene, size, rng)
        lesions = _lesions(img, scene, size)
        _sheen(img, scene, size, rng)
        od, oc = _disc(img, scene, size)
        vessels = _vessels(img, scene, size)
        image = _camera(img, scene, size, fov, rng)
    fovea, disc = scene.fovea * size, scene.disc * size
    masks = dict(od=od & fov, oc=oc & fov, vessels=vessels & fov, fov=fov,
                 lesions={k: v & fov for k, v in lesions.items()})
    if scene.eye == "R":  # mirror the canonical left eye
        image = np.ascontiguousarray(image[:, ::-1])
        masks = {k: ({n: np.ascontiguousarray(m[:, ::-1]) for n, m in v.items()} if isinstance(v, dict)
                     else np.ascontiguousarray(v[:, ::-1])) for k, v in masks.items()}
        fovea, disc = np.array([size - fovea[0], fovea[1]]), np.array([size - disc[0], disc[1]])
    return Rendered(image=image, fovea_xy=tuple(fovea - 0.5), od_xy=tuple(disc - 0.5), **masks)

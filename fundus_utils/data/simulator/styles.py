"""Device / centre styles: what a camera and its site do to the picture.

A style sets the field-of-view size, colour balance, gamma, contrast, saturation,
optical blur, sensor noise and JPEG quality. The named styles emulate a multi-centre
study (loosely after the cameras of REFUGE, DRIVE and Drishti-GS); ``random_style``
draws a fresh one for domain randomisation. Simulator v2 ignores the hand-set colour
fields and draws its colours from a *palette*, a real camera fitted in ``fitted.py``
(``fitted_style``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from .fitted import DEVICE_COLOURS


@dataclass(frozen=True)
class Style:
    """How one device renders a scene. Blur is in disc diameters; gains multiply RGB."""

    name: str
    fov_radius: float = 0.47           # of the image width
    gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gamma: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    brightness: float = 1.0
    blur_dd: float = 0.01
    noise: float = 0.01
    jpeg_quality: int = 92
    vignette: float = 0.45
    zoom: float = 1.0                  # > 1: narrower field, larger anatomy (disc-centred cameras)
    rim_glare: float = 0.0             # bright halo along part of the field-of-view edge
    glare_colour: tuple[float, float, float] = (0.75, 0.9, 1.0)
    palette: str | None = None         # simulator v2: the fitted device whose colours it draws (fitted.py)

    def as_dict(self) -> dict:
        return asdict(self)


STYLES: dict[str, Style] = {s.name: s for s in (
    # Bright, high-contrast, reddish-purple cast with a blue-green rim of light (REFUGE val/test-like).
    Style("canon", fov_radius=0.49, gain=(1.0, 0.92, 1.05), gamma=0.9, contrast=1.15, saturation=0.9,
          brightness=1.08, blur_dd=0.008, noise=0.01, jpeg_quality=90, vignette=0.5, rim_glare=0.35),
    # Darker, yellow-orange, softer (REFUGE training-like).
    Style("zeiss", fov_radius=0.47, gain=(1.05, 0.95, 0.7), gamma=1.15, contrast=0.9, saturation=1.1,
          brightness=0.85, blur_dd=0.02, noise=0.015, jpeg_quality=80, vignette=0.55),
    # Orange, moderate blur, smaller field with black margins (DRIVE-like screening camera).
    Style("topcon", fov_radius=0.44, gain=(1.1, 0.9, 0.6), gamma=1.0, contrast=1.0, saturation=1.05,
          brightness=1.0, blur_dd=0.015, noise=0.02, jpeg_quality=75, vignette=0.4),
)}


# Simulator v2 draws the named styles' colours from the real camera each emulates.
PALETTE_OF = {"canon": "REFUGE", "zeiss": "Drishti-GS1", "topcon": "DRIVE"}


def fitted_style(device: str, rng: np.random.Generator | None = None) -> Style:
    """Simulator v2's style of a fitted device (``fitted.DEVICE_COLOURS``), or of a named style's device.

    With ``rng``, a randomised variant for domain randomisation: the field of view, blur, JPEG
    quality, zoom and rim glare vary as in :func:`random_style`; the colours are drawn by
    :func:`~.scene.sample_scene` from the device's fitted distribution, widened for "random" styles.
    """
    if device in STYLES:
        return replace(STYLES[device], palette=PALETTE_OF[device])
    if device not in DEVICE_COLOURS:
        raise ValueError(f"unknown device {device!r}; fitted: {sorted(DEVICE_COLOURS)}, named: {sorted(STYLES)}")
    fit = DEVICE_COLOURS[device]
    if rng is None:
        return Style(name=device, fov_radius=fit["fov_radius"], palette=device, jpeg_quality=90, blur_dd=0.012)
    return Style(
        name="random", palette=device,
        fov_radius=float(np.clip(fit["fov_radius"] + rng.uniform(-0.04, 0.03), 0.42, 0.52)),
        blur_dd=float(rng.uniform(0.0, 0.03)), jpeg_quality=int(rng.integers(65, 98)),
        zoom=float(rng.choice([1.0, 1.0, rng.uniform(1.0, 1.6)])),
        rim_glare=float(rng.uniform(0, 0.5) * (rng.uniform() < 0.4)),
        glare_colour=tuple(float(v) for v in rng.uniform([0.6, 0.7, 0.6], [1.0, 1.0, 1.0])),
    )


def random_style(rng: np.random.Generator) -> Style:
    """A randomly drawn device, wide enough to cover the public datasets' looks."""
    return Style(
        name="random",
        fov_radius=float(rng.uniform(0.42, 0.52)),
        gain=tuple(float(v) for v in rng.uniform([0.85, 0.65, 0.35], [1.15, 1.1, 1.2])),
        gamma=float(rng.uniform(0.7, 1.5)),
        contrast=float(rng.uniform(0.7, 1.4)),
        saturation=float(rng.uniform(0.7, 1.3)),
        brightness=float(rng.uniform(0.55, 1.25)),
        blur_dd=float(rng.uniform(0.0, 0.03)),
        noise=float(rng.uniform(0.0, 0.03)),
        jpeg_quality=int(rng.integers(60, 98)),
        vignette=float(rng.uniform(0.2, 0.8)),
        zoom=float(rng.choice([1.0, 1.0, rng.uniform(1.0, 1.6)])),
        rim_glare=float(rng.uniform(0, 0.8) * (rng.uniform() < 0.6)),
        glare_colour=tuple(float(v) for v in rng.uniform([0.6, 0.7, 0.4], [1.0, 1.0, 1.0])),
    )

"""Scene description: everything a fundus picture shows, independent of its pixel size.

A :class:`Scene` is drawn once from a seed (:func:`sample_scene`) and can then be
rendered at any size (``render.py``). Geometry is in normalised image coordinates of
the canonical left-eye frame (x, y in [0, 1], y down, disc left of the fovea); right
eyes are mirrored at render time.

Anatomy follows textbook proportions: disc diameter (DD) about 1.8 mm, vertically
oval; fovea about 2.5 DD temporal to the disc centre and slightly below it; vertical
cup-to-disc ratio (vCDR) around 0.3-0.5 in healthy eyes and larger, with a thinner
vertical rim, in glaucoma.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .lesions import FAMILIES, Geometry, Spot
from .fitted import DEVICE_COLOURS
from .styles import STYLES, Style, fitted_style, random_style
from .vasculature import Tree, grow_trees
from .vessels import Branch, grow_tree

# Findings that change the whole eye rather than adding spots.
DIFFUSE = ("tessellation", "media_haze", "tortuous_vessels", "disc_pallor", "disc_oedema", "cupping")
FINDINGS = tuple(FAMILIES) + DIFFUSE
BASE_DD = 0.14  # disc diameter as a fraction of image width for a 45-degree camera


@dataclass
class Scene:
    """One eye as the simulator sees it (see module docstring for the frame)."""

    seed: int
    eye: str
    style: Style
    disc: np.ndarray                 # disc centre
    dd: float                        # vertical disc diameter
    disc_aspect: float               # horizontal / vertical disc diameter
    disc_angle: float                # tilt, degrees
    vcdr: float                      # vertical cup-to-disc ratio (exact by construction)
    cup_aspect: float                # horizontal / vertical cup diameter
    cup_shift: float                 # horizontal cup offset, fraction of the disc radius (temporal > 0)
    fovea: np.ndarray
    glaucoma: int
    fundus_colour: tuple[float, float, float]
    disc_colour: tuple[float, float, float]
    macula_depth: float
    rim_opacity: float               # how strongly the disc rim stands out from the retina
    cup_opacity: float               # how strongly the pale cup stands out from the rim
    sheen: float                     # nerve-fibre-layer reflex along the arcades (young eyes)
    vessel_contrast: float           # scales how dark vessels look
    halo: float                      # pale peripapillary glow around the disc
    glare_angle: float               # where on the rim the camera's halo falls (radians)
    illumination: tuple[float, float]  # linear gradient (x, y) of brightness
    texture_seed: int
    findings: tuple[str, ...] = ()
    severity: dict[str, float] = field(default_factory=dict)
    lesions: dict[str, list[Spot]] = field(default_factory=dict)
    branches: list[Branch] = field(default_factory=list)
    # Simulator v2 only (see ``realistic.py``): anatomical trees and colours from a fitted device.
    simulator: str = "v1"
    tree: Tree | None = None
    colour_mean: tuple[float, float, float] = (0.0, 0.0, 0.0)  # target mean RGB inside the FOV
    colour_scale: float = 1.0        # target channel variances = those of the device's pixel_cov x this
    vignette: float = 0.0            # luminance fall-off at the FOV edge
    noise: float = 0.0               # sensor noise, 0-1 units
    striation: float = 0.0           # nerve-fibre striations around the disc
    foveal_reflex: float = 0.0       # the bright pinpoint reflex of the foveal pit

    @property
    def fov_centre(self) -> np.ndarray:
        return np.array([0.5, 0.5])

    @property
    def geometry(self) -> Geometry:
        return Geometry(self.disc, self.fovea, self.dd, self.fov_centre, self.style.fov_radius)


def sample_vcdr(rng: np.random.Generator, glaucoma: int) -> float:
    """vCDR given the label: overlapping distributions, as in screening populations."""
    if glaucoma:
        return float(np.clip(rng.normal(0.63, 0.1), 0.35, 0.92))
    return float(np.clip(rng.normal(0.44, 0.1), 0.15, 0.75))


def _layout(rng: np.random.Generator, style: Style, dd: float, framing: str) -> tuple[np.ndarray, np.ndarray]:
    """Disc and fovea centres for a framing ('macula', 'disc' or 'posterior')."""
    dist = 2.5 * dd * rng.uniform(0.92, 1.08)
    drop = np.deg2rad(rng.uniform(3, 11))                  # fovea slightly below the disc
    offset = dist * np.array([np.cos(drop), np.sin(drop)])
    anchor = np.array([0.5, 0.5]) + rng.normal(0, 0.015, 2)
    if framing == "macula":
        fovea = anchor + np.array([0.04, 0.0])
        disc = fovea - offset
    elif framing == "disc":
        disc = anchor
        fovea = disc + offset
    else:
        disc = anchor - offset / 2
        fovea = disc + offset
    # Keep the whole disc inside the field of view.
    r_max = style.fov_radius - 0.75 * dd
    to_disc = disc - 0.5
    if np.linalg.norm(to_disc) > r_max:
        shift = to_disc * (1 - r_max / np.linalg.norm(to_disc))
        disc, fovea = disc - shift, fovea - shift
    return disc, fovea


SIMULATORS = ("v1", "v2")


def _style(rng: np.random.Generator, style: Style | str | None, simulator: str) -> Style:
    """The scene's device: v1 named or random styles; v2 styles with a fitted palette."""
    if simulator == "v1":
        return random_style(rng) if style is None else STYLES[style] if isinstance(style, str) else style
    if style is None:
        return fitted_style(str(rng.choice(list(DEVICE_COLOURS))), rng)
    if isinstance(style, str):
        return fitted_style(style)
    if style.palette is None:
        raise ValueError(f"style {style.name!r} has no palette: simulator v2 needs one (styles.fitted_style)")
    return style


def sample_scene(seed: int, style: Style | str | None = None, glaucoma: int | None = None,
                 findings: tuple[str, ...] = (), eye: str | None = None, framing: str | None = None,
                 prevalence: float = 0.1, vcdr: float | None = None, simulator: str = "v1") -> Scene:
    """Draw one eye. Unset arguments are drawn from ``seed``; ``style=None`` draws a random device.

    ``simulator``: "v1" (the star-shaped tree and hand-set colours every chapter was built on)
    or "v2" (anatomical arcades grown by space colonisation, colours of a fitted real camera;
    ``realistic.py``). A v1 scene is drawn exactly as before v2 existed.
    """
    unknown = set(findings) - set(FINDINGS)
    if unknown:
        raise ValueError(f"unknown findings {sorted(unknown)}; known: {FINDINGS}")
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, got {simulator!r}")
    rng = np.random.default_rng(seed)
    style = _style(rng, style, simulator)
    eye = eye or str(rng.choice(["L", "R"]))
    if glaucoma is None:
        glaucoma = int(rng.uniform() < prevalence)
    framing = framing or ("disc" if style.zoom > 1.2 else str(rng.choice(["macula", "macula", "posterior"])))
    dd = BASE_DD * style.zoom * rng.uniform(0.85, 1.15)
    disc, fovea = _layout(rng, style, dd, framing)
    if vcdr is None:
        vcdr = sample_vcdr(rng, glaucoma)
    if "cupping" in findings:
        vcdr = max(vcdr, float(rng.uniform(0.7, 0.9)))
    # Glaucomatous cups elongate vertically (the rim thins at the poles first: ISNT rule broken).
    cup_aspect = rng.uniform(0.72, 0.92) if glaucoma else rng.uniform(0.9, 1.12)
    pigment = rng.uniform(0.75, 1.15)
    fundus = (0.78 * pigment, 0.36 * pigment ** 1.5, 0.17 * pigment ** 2)
    # From pink-orange (a healthy, well-perfused rim) to yellow-white.
    pink, pale = np.array([1.0, 0.58, 0.45]), np.array([1.0, 0.88, 0.66])
    disc_colour = tuple(pink + rng.uniform(0, 1) * (pale - pink))
    scene = Scene(
        seed=seed, eye=eye, style=style, disc=disc, dd=dd,
        disc_aspect=rng.uniform(0.82, 0.98), disc_angle=rng.normal(0, 8),
        vcdr=vcdr, cup_aspect=cup_aspect, cup_shift=rng.uniform(0.0, 0.2),
        fovea=fovea, glaucoma=glaucoma, fundus_colour=fundus, disc_colour=disc_colour,
        macula_depth=rng.uniform(0.2, 0.5), rim_opacity=rng.uniform(0.25, 0.95),
        cup_opacity=rng.uniform(0.7, 1.0), vessel_contrast=rng.uniform(0.5, 1.1), halo=rng.uniform(0, 0.35), sheen=rng.uniform(0, 1) * (rng.uniform() < 0.5),
        glare_angle=rng.uniform(-np.pi, np.pi), illumination=tuple(rng.normal(0, 0.35, 2)),
        texture_seed=int(rng.integers(2**31)), findings=tuple(findings),
    )
    scene.severity = {f: float(rng.uniform(0.5, 1.0)) for f in findings}
    scene.severity.setdefault("tessellation", float(rng.uniform(0.0, 0.3)))
    geometry = scene.geometry
    scene.lesions = {f: FAMILIES[f].sample(rng, geometry) for f in findings if f in FAMILIES}
    tortuosity = 1.0 + 1.5 * scene.severity.get("tortuous_vessels", 0.0)
    if simulator == "v1":
        scene.branches = grow_tree(rng, disc, fovea, dd, geometry.fov_c, geometry.fov_r, tortuosity=tortuosity)
        return scene
    scene.simulator = simulator
    scene.tree = grow_trees(rng, disc, fovea, dd, geometry.fov_c, geometry.fov_r, tortuosity=tortuosity)
    fit = DEVICE_COLOURS[style.palette]
    spread = 1.5 if style.name == "random" else 1.0  # wider than fitted; 2.5 did worse on REFUGE Validation400
    mean = rng.multivariate_normal(fit["mean"], np.asarray(fit["mean_cov"]) * spread ** 2)
    scene.colour_mean = tuple(float(v) for v in np.clip(mean, 0.02, 0.92))
    scene.colour_scale = float(np.exp(rng.normal(0, 0.2 * spread)))
    scene.vignette = float(fit["vignette"] * rng.uniform(0.8, 1.2))
    scene.noise = float(fit["noise"] * rng.uniform(0.6, 1.2))
    scene.striation = float(rng.uniform(0.3, 1.0))
    scene.foveal_reflex = float(rng.uniform(0.0, 1.0))
    scene.rim_opacity = float(rng.uniform(0.45, 1.0))  # chosen on REFUGE Validation400 over 0.25 (v1's low end)
    return scene

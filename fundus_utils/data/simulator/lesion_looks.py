"""Simulator v2: how each lesion family looks at its scale.

v1 blends every lesion towards one fixed colour with one edge softness. v2 keeps the families'
placement and shapes (``lesions.py``: the scenes, hence the masks, are sampled as before) and
changes only how they are painted:

- blood (microaneurysms, dot-blot and flame haemorrhages) *absorbs*: the tissue under it is
  multiplied by a transmission that removes most green and blue, so a haemorrhage is a darker
  red of whatever fundus it lies on, never a fixed colour; blots have soft, irregular edges;
  flame haemorrhages are feathered along the nerve fibres (their long axis);
- deposits *lift* the tissue's reflectance: hard exudates waxy yellow with sharp edges and a
  faint gloss; drusen soft-edged, dull yellow, varying in brightness; cotton-wool spots white,
  fluffy (a textured opacity) and feathered.

Appearance after Abramoff, Garvin & Sonka, "Retinal imaging and image analysis", IEEE Rev.
Biomed. Eng. 3 (2010), and the ETDRS lesion descriptions. The masks stay exact: a lesion's mask
is where its (textured) opacity layer reaches half the strongest spot's opacity, the same rule
as v1, and the painted edge is that layer softened symmetrically around it.
Families without an entry here (macular scar, laser scars, ...) are painted as in v1.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .lesions import FAMILIES
from .render import _spots, spot_layer


@dataclass(frozen=True)
class Look:
    """How a family changes the tissue under it, at full opacity.

    ``absorb``: per-channel fraction of the light removed (blood); ``lift``: per-channel
    reflectance added (deposits), both relative to the tissue beneath, so a lesion takes the
    colour of the eye it is in. They are pre-camera values: the camera maps the background to the
    device's mean colour with gains of about (1.25, 1.85, 1.65) x 255 for Canon / REFUGE, so a
    lift of (0.30, 0.24, 0.09) makes an exudate about (+95, +110, +40) brighter there.
    ``soft_dd``: edge softness (Gaussian sigma, disc diameters); ``texture``: relative modulation
    of the opacity by smooth noise of ``grain_dd`` cells (irregular, fluffy edges); ``gloss``: an
    extra lift on the spot's thickest part (waxy sheen).
    """

    absorb: tuple[float, float, float] = (0.0, 0.0, 0.0)
    lift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    soft_dd: float = 0.01
    texture: float = 0.0
    grain_dd: float = 0.05
    gloss: float = 0.0


BLOOD = (0.3, 0.6, 0.75)  # a vein is (0.22, 0.55, 0.45): haemorrhages as dark, and redder (blue absorbed)
LOOKS: dict[str, Look] = {
    "microaneurysms": Look(absorb=BLOOD, soft_dd=0.004),
    "haemorrhages": Look(absorb=BLOOD, soft_dd=0.02, texture=0.25, grain_dd=0.05),
    "flame_haemorrhages": Look(absorb=BLOOD, soft_dd=0.015, texture=0.3, grain_dd=0.03),
    "central_vein_occlusion": Look(absorb=BLOOD, soft_dd=0.015, texture=0.3, grain_dd=0.03),
    "hard_exudates": Look(lift=(0.30, 0.24, 0.09), soft_dd=0.003, texture=0.15, grain_dd=0.02, gloss=0.06),
    "drusen": Look(lift=(0.22, 0.17, 0.05), soft_dd=0.025, texture=0.2, grain_dd=0.04),
    "cotton_wool_spots": Look(lift=(0.3, 0.28, 0.26), soft_dd=0.05, texture=0.5, grain_dd=0.04),
}


def _texture(rng: np.random.Generator, shape: tuple[int, int], cell_px: float) -> np.ndarray:
    """Smooth zero-mean, unit-variance noise over ``shape`` with cells of about ``cell_px``."""
    grid = (max(int(shape[0] / cell_px), 2), max(int(shape[1] / cell_px), 2))
    small = rng.standard_normal(grid).astype(np.float32)
    big = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return (big - big.mean()) / (big.std() + 1e-6)


def paint_family(img: np.ndarray, spots, look: Look, dd_px: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Paint one family's spots with ``look``; return its hard mask (full picture)."""
    mask = np.zeros(img.shape[:2], bool)
    soft = look.soft_dd * dd_px
    drawn = spot_layer(spots, size, 3 * soft + 2)
    if drawn is None:
        return mask
    rows, cols, layer, _ = drawn
    if look.texture:  # modulate inside the spots only, then take the mask from what is painted
        layer *= np.clip(1 + look.texture * _texture(rng, layer.shape, look.grain_dd * dd_px), 0, 1.5)
    peak = max(opacity for *_, opacity in spots)
    mask[rows, cols] = layer >= 0.5 * peak
    alpha = np.clip(cv2.GaussianBlur(layer, (0, 0), soft) if soft > 0.3 else layer, 0, 1)[..., None]
    patch = img[rows, cols]
    patch *= 1 - alpha * np.asarray(look.absorb, np.float32)
    patch += alpha * np.asarray(look.lift, np.float32) + look.gloss * alpha ** 3
    return mask


def paint_lesions(img: np.ndarray, scene, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every lesion family of ``scene``, v2 looks where defined, v1's blend elsewhere."""
    dd_px = scene.dd * size
    out = {}
    for name, spots in scene.lesions.items():
        if name in LOOKS:
            out[name] = paint_family(img, spots, LOOKS[name], dd_px, size, rng)
        else:
            family = FAMILIES[name]
            out[name] = _spots(img, spots, family.colour, family.softness_dd * dd_px, size)
    return out

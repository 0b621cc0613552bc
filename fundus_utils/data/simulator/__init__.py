"""Procedural fundus simulator with known ground truth (the book's embedded default data).

``sample_scene(seed, ...)`` draws an eye; ``render(scene, size)`` draws it with its
OD/OC/vessel/lesion masks and fovea. See ``scene.py`` for the anatomy, ``vessels.py``
for the vessel tree (v1), ``vasculature.py`` for v2's anatomical trees, ``realistic.py`` for
v2's painter, ``fitted.py`` for the real cameras' colour statistics, ``lesions.py`` for the lesion families, ``styles.py`` for the
device styles and ``rfmid.py`` for the RFMiD label frequencies.
"""
from .lesions import FAMILIES
from .render import Rendered, cup_ellipse, render
from .scene import DIFFUSE, FINDINGS, SIMULATORS, Scene, sample_scene, sample_vcdr
from .styles import STYLES, Style, fitted_style, random_style

__all__ = ["FAMILIES", "DIFFUSE", "FINDINGS", "SIMULATORS", "STYLES", "Rendered", "Scene", "Style", "cup_ellipse",
           "fitted_style", "random_style", "render", "sample_scene", "sample_vcdr"]

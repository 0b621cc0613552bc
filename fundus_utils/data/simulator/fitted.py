"""Colour statistics of real fundus cameras, fitted to public data sets (simulator v2's palettes).

Fitted by :func:`fundus_utils.synthetic.colour_fit.fit_all` on 2026-12-01 on the copies in
``../shared/data``: REFUGE Validation400 + Test400 (800 images, Canon CR-2, 512 px JPEG),
Drishti-GS1 Training + Test (101, downscaled x2), DRIVE training + test (40, Canon CR5 3CCD)
and CHASE_DB1 (28, Nidek NM-200-D), each letterboxed to 256 px. Only these moments are kept,
never images. What each number means is in that module's docstring; in short: ``mean`` and
``mean_cov`` describe the per-image mean RGB (0-1) inside the field of view over a data set,
``pixel_cov`` the average within-image pixel covariance, ``vignette`` the luminance fall-off
towards the FOV edge, ``disc_ratio`` the disc's luminance over the rest of the field of view,
``noise`` the green channel's high-frequency residual and ``fov_radius`` the FOV radius as a
fraction of the image side. ``tests/test_colour_fit.py`` re-fits them when the data are present.
"""
from __future__ import annotations

DEVICE_COLOURS: dict[str, dict] = {
    "REFUGE": {
        "images": 800, "mean": [0.5612, 0.3735, 0.3017],
        "mean_cov": [[0.004685, 0.003556, 0.002316], [0.003556, 0.003346, 0.002503], [0.002316, 0.002503, 0.002646]],
        "pixel_cov": [[0.020635, 0.016063, 0.010393], [0.016063, 0.014434, 0.01009], [0.010393, 0.01009, 0.008121]],
        "vignette": 0.364, "disc_ratio": 1.788, "noise": 0.0098, "fov_radius": 0.48},
    "Drishti-GS1": {
        "images": 101, "mean": [0.3952, 0.1885, 0.0581],
        "mean_cov": [[0.009716, 0.004313, 0.000443], [0.004313, 0.00308, 0.000837], [0.000443, 0.000837, 0.000735]],
        "pixel_cov": [[0.015646, 0.007596, 0.001631], [0.007596, 0.004964, 0.001386], [0.001631, 0.001386, 0.000687]],
        "vignette": 0.374, "disc_ratio": 1.91, "noise": 0.0044, "fov_radius": 0.483},
    "DRIVE": {
        "images": 40, "mean": [0.7234, 0.3777, 0.2227],
        "mean_cov": [[0.013227, 0.005732, 0.003198], [0.005732, 0.005286, 0.003039], [0.003198, 0.003039, 0.002414]],
        "pixel_cov": [[0.016232, 0.006299, 0.002699], [0.006299, 0.005806, 0.002784], [0.002699, 0.002784, 0.001639]],
        "vignette": 0.127, "disc_ratio": None, "noise": 0.0085, "fov_radius": 0.461},
    "CHASE_DB1": {
        "images": 28, "mean": [0.6535, 0.2369, 0.0401],
        "mean_cov": [[0.028199, 0.005598, -0.000333], [0.005598, 0.001956, 0.000249], [-0.000333, 0.000249, 0.000179]],
        "pixel_cov": [[0.03379, 0.015413, 0.003759], [0.015413, 0.011182, 0.003211], [0.003759, 0.003211, 0.001207]],
        "vignette": 0.452, "disc_ratio": None, "noise": 0.009, "fov_radius": 0.461},
}

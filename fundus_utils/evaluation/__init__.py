"""Evaluation: segmentation metrics, geometry (vCDR, centre of mass), confidence intervals, DeLong, bars, CAMs.

The CAM functions (``.cam``) are loaded on first use, and import torch and pytorch_grad_cam only when called.
"""
from .segmentation import centre_of_mass, centres_of_mass, dice, dice_per_image, vertical_cdr, vertical_extent
from .baselines import mask_centres, mean_position, place_prior, prevalence_prior, shape_prior, vessel_maps
from .bars import Bar, bars_table, check_bars, paired_auc, paired_mean, verdict
from .stats import auc_rank, bootstrap_ci, ci_text, delong_ci, delong_test, mean_ci_text

# The CAM functions load on first use (PEP 562), so importing this package does not even compile .cam.
_CAM_EXPORTS = ("cam_dice", "cam_maps", "cam_maps_per_class", "energy_inside", "guided_gradcam", "multilabel_cam",
                "pointing_game", "road_scores", "vit_reshape_transform")


def __getattr__(name: str) -> object:
    """Import ``.cam`` when one of its functions is first asked for."""
    if name in _CAM_EXPORTS:
        from . import cam

        return getattr(cam, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names, the lazily loaded CAM functions included."""
    return sorted(set(globals()) | set(_CAM_EXPORTS))


__all__ = ["Bar", "mask_centres", "auc_rank", "bars_table", "check_bars", "ci_text", "delong_ci", "delong_test", "paired_auc", "paired_mean", "verdict", "bootstrap_ci", "mean_position", "place_prior", "prevalence_prior", "shape_prior", "centre_of_mass", "centres_of_mass", "dice", "dice_per_image", "mean_ci_text", "vertical_cdr",
           "vertical_extent", "cam_dice", "cam_maps", "cam_maps_per_class", "energy_inside", "guided_gradcam",
           "multilabel_cam", "pointing_game", "road_scores", "vit_reshape_transform"]

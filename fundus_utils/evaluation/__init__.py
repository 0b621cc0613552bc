"""Evaluation: segmentation metrics, geometry (vCDR, centre of mass) and confidence intervals."""
from .segmentation import centre_of_mass, dice, dice_per_image, vertical_cdr, vertical_extent
from .stats import bootstrap_ci, mean_ci_text

__all__ = ["bootstrap_ci", "centre_of_mass", "dice", "dice_per_image", "mean_ci_text", "vertical_cdr",
           "vertical_extent"]

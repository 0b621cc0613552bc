"""Evaluation: segmentation metrics, geometry (vCDR, centre of mass), confidence intervals, DeLong and bars."""
from .segmentation import centre_of_mass, dice, dice_per_image, vertical_cdr, vertical_extent
from .baselines import mask_centres, mean_position, place_prior, prevalence_prior, shape_prior
from .bars import Bar, bars_table, check_bars, paired_auc, paired_mean
from .stats import auc_rank, bootstrap_ci, delong_test, mean_ci_text

__all__ = ["Bar", "mask_centres", "auc_rank", "bars_table", "check_bars", "delong_test", "paired_auc", "paired_mean", "bootstrap_ci", "mean_position", "place_prior", "prevalence_prior", "shape_prior", "centre_of_mass", "dice", "dice_per_image", "mean_ci_text", "vertical_cdr",
           "vertical_extent"]

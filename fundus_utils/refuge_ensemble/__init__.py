"""Zhao, Liu, Zhang, Lei, "Deep Learning based for Fundus Analysis" (REFUGE-style report): experiment code.

Components and where they live (notebooks under ``notebooks/refuge_ensemble/``):

* CE-Net (ResNet-34 encoder, DAC + RMP context encoder) -> :mod:`fundus_utils.models.cenet`
* Ellipse fitting of OD/OC masks -> :mod:`fundus_utils.evaluation.ellipse`
* OD/OC segmentation on disc crops, CE-Net vs U-Net, with/without ellipses
  -> :mod:`.segmentation` (notebook 02)
* Fovea + OD centre by bi-distance map regression and LoG peaks, vs the MTL-IO heatmap
  -> :mod:`.fovea` (notebook 03)
* Optic-disc locator and crops (2 x disc diameter) -> :mod:`.disc_crop`
* Five-member ResNet50 glaucoma ensemble -> :mod:`fundus_utils.models.gap_resnet`, :mod:`.classification`
* Leave-one-dataset-out -> :mod:`.lodo`
"""


def record_name(cfg, what: str) -> str:
    """Name of the recorded real-data table of experiment ``what`` (``"segmentation"``, ``"fovea"``, ``"lodo"``).

    ``real`` and ``full`` runs write and show their own record (``refuge_ensemble_<profile>_<what>``);
    ``smoke`` writes none and shows the last ``real`` one.
    """
    profile = "real" if cfg.profile == "smoke" else cfg.profile
    return f"refuge_ensemble_{profile}_{what}"


__all__ = ["record_name"]

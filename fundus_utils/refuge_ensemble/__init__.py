"""Zhao, Liu, Zhang, Lei, "Deep Learning based for Fundus Analysis" (REFUGE-style report): experiment code.

=====================================  ===============================================  ==========
the paper's part                       code                                             notebook
=====================================  ===============================================  ==========
Table 1: the datasets                  :mod:`.datasets_table`                           01
OD/OC segmentation, CE-Net vs U-Net,   :mod:`.segmentation` (CE-Net:                    02
with/without ellipse fitting, on       :mod:`fundus_utils.models.cenet`; ellipses:
disc crops (2 x disc diameter)         :mod:`fundus_utils.evaluation.ellipse`; the
                                       locator and crops: :mod:`.disc_crop`)
fovea and OD centre by bi-distance     :mod:`.fovea`                                    03
map regression, LoG peaks
the five-member ResNet50 glaucoma      :mod:`fundus_utils.models.gap_resnet`,           04
ensemble, leave-one-dataset-out        :mod:`.classification`, :mod:`.lodo`
=====================================  ===============================================  ==========

Settings: :mod:`.settings` (groups ``seg``, ``fovea``, ``cls``, ``lodo``).
"""


def record_name(cfg, what: str) -> str:
    """Name of the recorded real-data table of experiment ``what`` (``"segmentation"``, ``"fovea"``, ``"lodo"``).

    ``real`` and ``full`` runs write and show their own record (``refuge_ensemble_<profile>_<what>``);
    ``smoke`` writes none and shows the last ``real`` one.
    """
    profile = "real" if cfg.profile == "smoke" else cfg.profile
    return f"refuge_ensemble_{profile}_{what}"


__all__ = ["record_name"]

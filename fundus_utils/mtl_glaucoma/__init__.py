"""Reproduction of Pascal et al., "Multi-task deep learning for glaucoma detection from color
fundus images", Scientific Reports 12:12361 (2022) - MTL-IO - on REFUGE.

Authors' code: https://github.com/robustml-eurecom/glaucoma_mtl (PyTorch; MTL and STL
models, RefugeLoss, RefugeMetrics, train/eval scripts). What comes from where:

=========================  ==========================================================
piece                      module (sources: P = paper, C = authors' code, O = ours)
=========================  ==========================================================
network                    ``fundus_utils.models.mtl_unet`` (P: U-Net, VGG encoder,
                           shared decoder, per-task output convs, FC after the encoder;
                           C: VGG-13-BN layout, bilinear decoder, max-pool + dropout 0.8
                           FC, batch-statistics BN (``bn_batch_stats``, full);
                           O: width multiplier, running BN statistics in smoke/real)
Res34-Unet baseline        ``fundus_utils.models.res_unet`` (Yu et al. 2019; O: decoder)
losses, fovea target       ``fundus_utils.mtl_glaucoma.losses`` (P: BCE, L1, focal
                           gamma 2; C: Gaussian variance 50 px^2 at 256 px, peak 1)
optimisation schemes       ``fundus_utils.mtl_glaucoma.schemes`` (P: STL, Vanilla MTL,
                           MTL-IO, GradNorm, PCGrad; C: MTL-IO task order and per-task
                           forward passes; O: GradNorm/PCGrad details, AMP)
post-processing            ``fundus_utils.evaluation.postprocess`` (P: largest connected
                           component, centre of mass)
glaucoma score             ``fundus_utils.evaluation.glaucoma_score`` (P: FC + vCDR
                           logistic regression averaged, threshold 0.5; C: regression fit
                           on reference vCDRs of the training images, vCDR = largest
                           column sum of the soft maps; P/O: the mask measure beside)
data arrays                :mod:`.data` (C: whole image resized to a square, [0, 1])
training                   :mod:`.fit` (P/C: Adam 1e-4, batch 8, 300 epochs, 256 px;
                           C: best checkpoint every ``eval_interval`` epochs - summed
                           validation loss (MTL), task metric (STL))
evaluation                 :mod:`.evaluate` (P/C: Dice per image, vCDR, fovea L2 error
                           to the target map's centre of mass; STL AUC = FC head alone)
bars                       :mod:`.bars` (O: paired bootstrap against image-blind
                           baselines of the same run: shape prior, mean fovea, chance)
experiments                :mod:`.cv` (P: 5-fold CV on merged train+val, test fixed;
                           official split with 3 seeds), :mod:`.timing`, :mod:`.sweep`
transfer learning          :mod:`.pretrain` (C: ImageNet ``vgg13_bn`` encoder; O: the
                           labelled synthetic-texture stand-in for smoke/real)
tables, figures            :mod:`.tables`, :mod:`.figures`
real-data check            :mod:`.realdata` (O: a plain U-Net trained alongside)
=========================  ==========================================================

The paper's tables and figures (notebooks under ``notebooks/mtl_glaucoma/``):

=====================================  ===================================================  ========
the paper's                            code                                                 notebook
=====================================  ===================================================  ========
Table 1 (5-fold CV, from scratch)      :func:`.cv.cross_validate`, :mod:`.tables`           01
Table 2 (CV, pretrained encoders)      :mod:`.pretrain`, :func:`.cv.cross_validate`         02
Table 3 (official split, scratch)      :func:`.cv.official_split`                           03
Table 4 (official split, pretrained)   :mod:`.pretrain`, :func:`.cv.official_split`         04
Fig. 1 (ROC), Figs. 2-3 (lr study)     :mod:`.figures`, :mod:`.sweep`                       05
Figs. 4 and 6 (examples)               :mod:`.figures`                                      06
(ours) real REFUGE vs a plain U-Net    :mod:`.realdata`                                     07
=====================================  ===================================================  ========

Settings: :mod:`.settings` (``full`` = the paper's; ``real`` trains on the REFUGE
Validation400 copy and tests on Test400 at 128 px on a CPU; ``smoke`` uses the synthetic
REFUGE twin at a few seconds per network). A notebook starts with :func:`begin`.
"""
from __future__ import annotations

import pandas as pd

from .. import data as _data
from ..models.mtl_unet import TASKS
from .cv import ArrayBank
from .data import TaskArrays, prepare


def begin(profile: str = "smoke", overrides: dict | str | None = None):
    """A notebook's start (:func:`fundus_utils.session.begin`): the chapter's settings under
    ``profile`` and ``overrides``, ``cfg.threads`` intra-op threads on a CPU (one is fastest for
    the smoke profile's tiny tensors on a shared 2-core machine), the seed, the provenance clock."""
    from ..session import begin as _begin

    return _begin("mtl_glaucoma", profile, overrides, threads="threads", source=source)


def open_samples(cfg) -> pd.DataFrame:
    """The profile's sample table: the twin (smoke), REFUGE (real, full) or any registered
    dataset (``overrides={"dataset": NAME}``).

    A real dataset gets its folds from :func:`fundus_utils.data.folds.ensure`: REFUGE's
    committed patient-level folds over Training400 + Validation400, Test400 the fixed test
    split; another dataset's committed folds, or patient-level folds drawn over its non-test
    rows (and a drawn test split when its release has none) - ``table.attrs["folds"]`` says
    which. A missing dataset stops with the manifest's message (where to get it, layout).
    """
    table = _data.open_dataset(cfg.dataset, cfg.data_root, **(cfg.twin or {}))  # a twin's parameters, if one
    if cfg.twin:
        return table
    from ..data import folds

    return folds.ensure(table)


def framing(cfg) -> str:
    """``fundus`` (whole pictures) or ``disc`` (disc-centred crops): the ``framing`` setting, or
    the dataset manifest's when it is None (:func:`fundus_utils.data.registry.framing`)."""
    from ..data.registry import framing as manifest_framing

    return cfg.framing or manifest_framing(cfg.dataset)


def rows_band(cfg) -> tuple[float, float] | None:
    """The band of rows kept (``rows``), for whole-fundus pictures only: on a disc-centred
    crop the disc fills most of the picture, and no band would keep it whole."""
    return cfg.rows if framing(cfg) == "fundus" else None


def source(cfg):
    """Provenance source: the twin's parameters or the dataset name (manifest-hashed)."""
    return {"name": cfg.dataset, **cfg.twin} if cfg.twin else cfg.dataset


def make_bank(table: pd.DataFrame, cfg) -> ArrayBank:
    """All rows prepared once at the profile's input size (and smoke's band of rows)."""
    return ArrayBank(table, cfg, lambda t: prepare(t, cfg.image_size, cfg.fovea_variance_256, rows=rows_band(cfg)))


def open_data(cfg, protocol: str = "cv") -> tuple[pd.DataFrame, ArrayBank, list[str]]:
    """The notebook's data: the sample table, its arrays, and the tasks its training rows carry.

    ``protocol``: ``"cv"`` (Tables 1-2: every non-test row may train) or ``"official"``
    (Tables 3-4: the official training split, :func:`.cv.official_parts`).
    """
    from .cv import official_parts

    samples = open_samples(cfg)
    bank = make_bank(samples, cfg)
    if protocol not in ("cv", "official"):
        raise ValueError(f"protocol must be 'cv' or 'official', got {protocol!r}")
    train = samples[samples["split"] != "test"] if protocol == "cv" else official_parts(samples)["train"]
    return samples, bank, trained_tasks(bank.take(train))


def trained_tasks(arrays: TaskArrays) -> list[str]:
    """The tasks these training arrays carry targets for (REFUGE Validation400: OD and OC only)."""
    return [t for t in TASKS if arrays.has(t)]


__all__ = ["ArrayBank", "TaskArrays", "begin", "framing", "make_bank", "open_data", "open_samples", "prepare",
           "rows_band", "source", "trained_tasks"]

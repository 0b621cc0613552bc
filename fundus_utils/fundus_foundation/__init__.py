"""Disease-specific fundus foundation models (Jang, Ahn, Choe, Yoon, Choi, Kim, arXiv 2408.08790, 2024).

The paper pretrains a ResNet50 to tell normal from abnormal fundus pictures (the *upstream*
task, about 114 000 pictures) from scratch (*Fundus*) or from ImageNet (*ImageNet + Fundus*),
and compares these trunks with *Scratch* and *ImageNet* downstream, under linear probing and
fine-tuning, at 256 / 512 / 1024 px.

Map of the chapter (paper -> code -> notebook under ``notebooks/fundus_foundation/``):

* upstream pretraining (Methods): :func:`.upstream.fundus_trunk` on the ``synthetic-screening``
  twin's train patients in ``smoke``/``real`` (:func:`.upstream.upstream_summary`,
  :func:`.upstream.per_finding`, :func:`.upstream.upstream_bars`) -> ``01_upstream``;
* the four initialisations: :data:`.upstream.INITS`, :func:`.upstream.trunk`;
* the network, its head and linear probing: :mod:`fundus_utils.models.foundation_resnet`;
* Table 1 and Fig. 2A, linear probing: :func:`.downstream.table1` ("LP"),
  :func:`.figures.resolution_figure` -> ``02_table1_linear_probe``; Table 1, fine-tuning
  (:func:`.downstream.table1` "FT") and the paper's claims (:func:`.downstream.claims`) ->
  ``03_table1_fine_tune``. The abnormality task on the twin's test patients (never seen
  upstream), patient-level stratified 5-fold CV, mean ± SD of the fold AUCs, DeLong's test on the
  pooled out-of-fold scores against the best initialisation, bars against a prevalence-only score.

Not built yet (issue 15): Fig. 2B-C (t-SNE and Grad-CAM, data fractions), external validation,
multi-label downstream, vessel segmentation, and the real-image downstream study.
"""

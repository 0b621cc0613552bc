"""Disease-specific fundus foundation models (Jang, Ahn, Choe, Yoon, Choi, Kim, arXiv 2408.08790, 2024).

The paper pretrains a ResNet50 to tell normal from abnormal fundus pictures (the *upstream*
task, about 114 000 pictures) from scratch (*Fundus*) or from ImageNet (*ImageNet + Fundus*),
and compares these trunks with *Scratch* and *ImageNet* downstream, under linear probing and
fine-tuning, at 256 / 512 / 1024 px.

Map of the chapter (paper -> code -> notebook under ``notebooks/fundus_foundation/``):

* upstream pretraining (Methods): :func:`.upstream.fundus_trunk` on the ``synthetic-screening``
  twin's train patients in ``smoke``/``real`` (:func:`.upstream.upstream_summary`,
  :func:`.upstream.per_finding`, :func:`.upstream.upstream_bars`) -> ``01_upstream``; at the paper's
  scale the batch job :mod:`.pretrain` (one GPU, or several through ``accelerate launch``: fastai's
  distributed training), streaming the pictures from the resized-image cache
  (:mod:`fundus_utils.train.streaming`); pictures/s in ``bench/bench_foundation_throughput.py``;
* the four initialisations: :data:`.upstream.INITS`, :func:`.upstream.trunk`;
* the network, its head and linear probing: :mod:`fundus_utils.models.foundation_resnet`;
* Table 1 and Fig. 2A, linear probing: :func:`.downstream.table1` ("LP"),
  :func:`.figures.resolution_figure` -> ``02_table1_linear_probe``; Table 1, fine-tuning
  (:func:`.downstream.table1` "FT") and the paper's claims (:func:`.downstream.claims`) ->
  ``03_table1_fine_tune``. The abnormality task on the twin's test patients (never seen
  upstream), patient-level stratified 5-fold CV (fine-tuning: ``downstream.ft.folds``), mean ± SD
  of the fold AUCs, DeLong's test on the pooled out-of-fold scores against the best
  initialisation, bars against a prevalence-only score.

* Fig. 2B, t-SNE and Grad-CAM: :func:`.embeddings.tsne_figure`, :func:`.embeddings.knn_auc`,
  :func:`.embeddings.cam_figure`; Fig. 2C, the data-fraction stress test (linear probing):
  :func:`.stress.stress_test`, :func:`.figures.fraction_figure` -> ``04_fig2_embeddings_and_fractions``;
* external validation of the abnormality task: :func:`.external.external_tables` (other camera
  styles of the twin in ``smoke``; registered sets such as RFMiD or JSIEC in ``full``) -> ``05_external_validation``;
* the seven-class multi-label task: :func:`.multi_label.multi_label_scores` on the
  ``synthetic-multidisease`` twin -> ``06_multi_label``;
* vessel segmentation, a U-Net on each trunk (:mod:`fundus_utils.models.encoder_unet`), Dice vs
  training-data volume: :func:`.vessels.vessel_study` -> ``07_vessels``;
* beyond the paper, trunks pretrained on the twin only, downstream on real photographs: glaucoma
  on REFUGE Test400 (:func:`.real_images.glaucoma_table1`) -> ``08_real_glaucoma``; vessels,
  DRIVE train -> DRIVE test and CHASE_DB1 (:func:`.vessels.vessel_study` ``"real_vessels"``) ->
  ``09_real_vessels``.

Real-data numbers enter the book as records (:mod:`fundus_utils.report.records`): the ``real``
profile's run of ``08_real_glaucoma`` and ``09_real_vessels`` writes them to
``book/papers/recorded/fundus_foundation_real_*.csv``, and every profile shows the last one.
"""

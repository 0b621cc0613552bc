"""Disease-specific fundus foundation models (Jang, Ahn, Choe, Yoon, Choi, Kim, arXiv 2408.08790, 2024).

The paper pretrains a ResNet50 to tell normal from abnormal fundus pictures (the *upstream*
task, about 114 000 pictures) from scratch (*Fundus*) or from ImageNet (*ImageNet + Fundus*),
and compares these trunks with *Scratch* and *ImageNet* downstream, under linear probing and
fine-tuning, at 256 / 512 / 1024 px.

Map of the chapter (paper -> code; no notebook yet):

* upstream pretraining (Methods): :mod:`.upstream` (:func:`.upstream.fundus_trunk`), on the
  ``synthetic-screening`` twin's train patients in ``smoke``/``real``;
* the four initialisations: :data:`.upstream.INITS`, :func:`.upstream.trunk`;
* the network, its head and linear probing: :mod:`fundus_utils.models.foundation_resnet`;
* Table 1, linear probing and fine-tuning: :mod:`.downstream` (:func:`.downstream.table1`,
  :func:`.downstream.out_of_fold`): the abnormality task on the twin's test patients (never
  seen upstream), patient-level stratified 5-fold CV, mean ± SD of the fold AUCs, DeLong's test
  on the pooled out-of-fold scores against the best initialisation, bars against a
  prevalence-only score.

The upstream models do not yet learn enough within the smoke budget: trained on 576-672
twin pictures at 48-64 px for 8-12 epochs (about 20-30 s each on 2 cores), *Fundus* reached an
upstream AUC of 0.56-0.58 and *ImageNet + Fundus* 0.61-0.69 on 360-500 held-out pictures, and the
linear probes 0.45-0.66 (``bench/bench_foundation_upstream.py`` measures the learning curve).
A notebook standing on them would assert bars their intervals do not support.

Not built yet (issue 15): the notebooks, Fig. 2A-C (resolution
curves, t-SNE and Grad-CAM, data fractions), external validation, multi-label downstream,
vessel segmentation, and the real-image downstream study.
"""

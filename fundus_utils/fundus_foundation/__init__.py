"""Disease-specific fundus foundation models (Jang, Ahn, Choe, Yoon, Choi, Kim, arXiv 2408.08790, 2024).

The paper pretrains a ResNet50 to tell normal from abnormal fundus pictures (the *upstream*
task, about 114 000 pictures) from scratch (*Fundus*) or from ImageNet (*ImageNet + Fundus*),
and compares these trunks with *Scratch* and *ImageNet* downstream, under linear probing and
fine-tuning, at 256 / 512 / 1024 px.

Map of the chapter (paper -> code; no notebook yet):

* upstream pretraining (Methods): :mod:`.upstream` (:func:`.upstream.fundus_trunk`), on the
  ``synthetic-screening`` twin in ``smoke``/``real``;
* the four initialisations: :data:`.upstream.INITS`, :func:`.upstream.trunk`;
* the network, its head and linear probing: :mod:`fundus_utils.models.foundation_resnet`.

In a first smoke trial (900 pictures at 32-64 px, 5 epochs, learning rate 1e-3) the upstream
models stayed at chance on their test patients (AUC 0.49-0.56): the upstream task needs more
pictures, epochs or resolution before a notebook can stand on it.

Not built yet (issue 15): Table 1 (linear probe / fine-tune x resolutions, 5-fold CV, DeLong),
Fig. 2A-C (resolution curves, t-SNE and Grad-CAM, data fractions), external validation,
multi-label downstream, vessel segmentation, and the real-image downstream study.
"""

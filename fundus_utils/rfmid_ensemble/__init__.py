"""Reproduction of the RFMiD multi-disease ensemble with Grad-CAM-guided crop augmentation.

Paper: "A multi-disease fundus image classification ensemble model based on gradient-weighted
class activation mapping (Grad-CAM) data augmentation" (text in ``../shared/papers/
rfmid_ensemble.txt``; its authors, venue and DOI are not in that text). No code was published.

In progress. What exists:

=========================  ======================================================  ========
the paper's                code                                                    notebook
=========================  ======================================================  ========
Table 1, Figs. 3-4         :mod:`.labels` (the real RFMiD training labels)          01
base models (VGG, ResNet)  :mod:`fundus_utils.models.gap_classifier`, :mod:`.fit`  02
stage 1 (VGG, one fold)    :mod:`.stage1` (cached for notebook 03), :mod:`.data`   02
Eqs. 4-5, Fig. 2 (crops)   :mod:`.cam_crops`, :func:`.stage1.theta_sweep`,         03
                           :mod:`.figures`
(ours) crops vs lesions    :func:`.stage1.coverage_bar` (random boxes, same size)  03
=========================  ======================================================  ========

Not yet: stage 2 (the bagging ensemble on originals + crops and its fusion), Table 2,
Figs. 5-8, the comparison of CAM methods. Settings: :mod:`.settings`.
"""

"""Reproduction of the RFMiD multi-disease ensemble with Grad-CAM-guided crop augmentation.

Paper: "A multi-disease fundus image classification ensemble model based on gradient-weighted
class activation mapping (Grad-CAM) data augmentation" (text in ``../shared/papers/
rfmid_ensemble.txt``; its authors, venue and DOI are not in that text). No code was published.

=========================  ======================================================  ========
the paper's                code                                                    notebook
=========================  ======================================================  ========
Table 1, Figs. 3-4         :mod:`.labels` (the real RFMiD training labels)          01
base models (VGG, ResNet)  :mod:`fundus_utils.models.gap_classifier`, :mod:`.fit`  02
stage 1 (VGG, one fold)    :mod:`.stage1` (cached for the notebooks after), :mod:`.data`  02
Eqs. 4-5, Fig. 2 (crops)   :mod:`.cam_crops`, :func:`.stage1.theta_sweep`,         03
                           :mod:`.figures`
(ours) crops vs lesions    :func:`.stage1.coverage_bar` (random boxes, same size)  03
stage 2, bagging, fusion   :mod:`.stage2` (members in the result cache)            04-06
Table 2, Figs. 5-8         :mod:`.table2`, :mod:`.figures`                         04-05
(ours) random-crop control :func:`.stage2.crop_set` (``random_crops``)             06
(ours) CAM methods         :mod:`.cam_methods` (pointing game, energy, ROAD)       07
=========================  ======================================================  ========

Settings: :mod:`.settings`.
"""

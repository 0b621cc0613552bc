# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Segmentation and fovea examples (Figs. 4 and 6)
#
# Fig. 4 of the paper shows a glaucomatous eye whose disc and cup MTL-IO outlines better
# than the single-task networks; Fig. 6 shows the fovea target - an isotropic Gaussian
# at the fovea (variance 50 px² at 256 px in the authors' code) - and a predicted map,
# whose centre of mass is the predicted fovea (no post-processing, which "may shift the
# center of mass"). Masks are post-processed by keeping their largest connected
# component.
#
# The networks are those of Table 1's first fold (cached), shown on test images. The
# book shows synthetic eyes only; the `real`/`full` profiles draw REFUGE test images.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
import numpy as np

from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.evaluation.postprocess import largest_components
from fundus_utils.mtl_glaucoma import cv, figures
from fundus_utils.mtl_glaucoma.evaluate import fovea_xy
from fundus_utils.mtl_glaucoma.fit import predict

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg)
fold = int(samples.loc[samples["fold"] >= 0, "fold"].min())
runs = {r.method: r for r in cv.cross_validate(samples, ["stl", "mtl_io"], cfg, tasks, bank, folds=[fold])}
test = bank.take(cv.fold_parts(samples, fold)["test"])
preds = {m: predict(cv.restore(r, cfg), test.x, cfg) for m, r in runs.items()}

# %% [markdown]
# ## Bars of the networks shown
#
# The two networks of the examples against this fold's image-blind baselines on all its
# test images: the training discs' and cups' mean shape at their mean position (Dice) and
# the mean training fovea position (error; a missed fovea counts at the picture's
# diagonal). The lower end of the paired bootstrap 95 % CI of the gain must be above zero.

# %%
bars = mtl_bars.check(list(runs.values()), samples, bank, cfg, "mtl_fig4_6_bars",
                      f"Figs. 4 and 6 networks (fold {fold}), bars: gain over the fold's image-blind baseline on its "
                      "test images, paired bootstrap 95 % CI; passed = lower end above 0.", glaucoma=False)

# %% [markdown]
# ## Fig. 4: a glaucomatous eye, reference and predicted outlines
#
# We pick the glaucomatous test eye on which MTL-IO's cup Dice exceeds STL's the most
# (the paper's figure, too, is a chosen case).

# %%
rows = {m: r.per_image.set_index("image_id") for m, r in runs.items()}
gap = (rows["MTL-IO"]["dice_oc"] - rows["STL"]["dice_oc"]).where(rows["MTL-IO"]["glaucoma"] == 1)
i = int(np.flatnonzero(test.image_id == gap.idxmax())[0]) if gap.notna().any() else 0
masks = {m: tuple(largest_components(p[k][i:i + 1] >= 0.5)[0] for k in ("od", "oc")) for m, p in preds.items()}
title = " · ".join(f"{m}: OD {rows[m]['dice_od'].iloc[i]:.2f}, OC {rows[m]['dice_oc'].iloc[i]:.2f}" for m in masks)
report.figure(figures.segmentation_figure(test.x[i], test.od[i], test.oc[i], masks, title=f"Dice - {title}"),
              "mtl_fig4_segmentation", "Fig. 4 (ours): disc (yellow) and cup (cyan) predicted by STL and MTL-IO; "
              "reference in white (cup dashed).", cfg)

# %% [markdown]
# ## Fig. 6: the fovea heatmap

# %%
if "fovea" in preds["MTL-IO"]:  # the REFUGE copy of the real profile has no fovea positions to train on
    p = preds["MTL-IO"]["fovea"]
    xy = fovea_xy(p)
    j = int(np.flatnonzero(np.isfinite(test.fovea_xy[:, 0]))[0])
    report.figure(figures.fovea_figure(test.x[j], test.seg[j, 2], p[j], test.fovea_xy[j], xy[j]), "mtl_fig6_fovea",
                  f"Fig. 6 (ours): MTL-IO's fovea map for one test eye; centre-of-mass error "
                  f"{np.linalg.norm(xy[j] - test.fovea_xy[j]):.1f} px at this input size.", cfg)

# %% [markdown]
# ## Summary
#
# - Figs. 4 and 6 draw, for one test eye, the reference and predicted disc and cup outlines
#   and MTL-IO's fovea map, from networks whose bars are checked above.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: Real REFUGE images on a CPU: MTL-IO against a plain U-Net trained alongside →](07_real_refuge_check.ipynb)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # MTL-IO with a pretrained encoder (Table 2)
#
# The paper repeats Table 1 with the U-Net's encoder initialised from an ImageNet VGG
# (the decoder and heads start from scratch), and adds a segmentation reference,
# **Res34-Unet** (Yu et al. 2019): a U-Net with a ResNet-34 encoder pretrained on
# Messidor-2, which predicts only the disc and cup (no glaucoma AUC, no fovea).
#
# Weights are downloaded only in the `full` profile (timm's ImageNet `vgg13_bn`, the
# encoder the authors' code loads, and `resnet34`; Messidor-2 weights are not
# published). The `smoke` and `real` profiles use a **stand-in**, clearly not ImageNet:
# each encoder is first trained to tell the orientation of synthetic striped textures
# (a non-fundus classification task, `fundus_utils.mtl_glaucoma.pretrain`), then
# initialises the encoder where ImageNet weights would. It exercises the transfer path;
# it does not measure ImageNet's benefit.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, pretrain, tables
from fundus_utils.mtl_glaucoma.schemes import SCHEMES

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg)

# %% [markdown]
# ## The encoders' initialisation

# %%
inits = pretrain.encoder_inits(cfg, ("mtl_unet", "res34_unet"))
(init_name, init_fn), (res_name, res_init) = inits["mtl_unet"], inits["res34_unet"]
if init_name != "imagenet":
    import pandas as pd

    report.table(pd.DataFrame({"stand-in task accuracy": [pretrain.standin_accuracy(cfg, a) for a in
                                                          ("mtl_unet", "res34_unet")], "chance": 0.25},
                              index=["VGG encoder (MTL U-Net)", "ResNet-34 encoder (Res34-Unet)"]),
                 "mtl_standin_pretraining", "Stand-in pretraining (synthetic texture orientation, 4 classes): "
                 "validation accuracy of each encoder before transfer.", cfg)

# %% [markdown]
# ## Every scheme with the pretrained encoder, and the Res34-Unet reference

# %%
runs = cv.cross_validate(samples, SCHEMES, cfg, tasks, bank, folds=cfg.cv_folds, init=init_name, init_fn=init_fn)
runs += cv.cross_validate(samples, ["vanilla"], cfg, [t for t in tasks if t in ("od", "oc")], bank,
                          folds=cfg.cv_folds, init=res_name, init_fn=res_init, arch="res34_unet")
per_fold = cv.results_frame(runs)
per_fold.loc[per_fold["method"] == "Res34-Unet", ["auc", "auc_fc", "auc_combined"]] = float("nan")  # the paper's "-": no classifier
report.table(per_fold.drop(columns=["scheme"]).set_index(["method", "split"]), "mtl_table2_per_fold",
             f"Test-set metrics per scheme and fold, encoder initialised by {init_name}.", cfg)

# %% [markdown]
# ## Table 2
#
# Mean ± SD over folds. The Res34-Unet row gives Dice (and the vCDR-only AUC of its
# masks); like the paper's, it has no classifier and no fovea output.

# %%
summ = tables.summary(per_fold)
params = per_fold.groupby("method")["params"].first()
report.table(tables.paper_layout(summ, params), "mtl_table2",
             f"Table 2 (ours): encoder initialised by {init_name}, mean ± SD over folds.", cfg)
report.table(tables.paper_vs_ours(summ, "table2", ["auc", "dice_od", "dice_oc", "fovea_px"]),
             "mtl_table2_paper_vs_ours", "Table 2, paper vs ours (means; the paper's cells were lost from its text).",
             cfg)

# %% [markdown]
# ## Bars: every scheme and Res34-Unet against image-blind baselines of this run
#
# As in Table 1: the mean training disc and cup shapes at their mean training position
# (Dice), the mean training fovea position (error; a missed fovea counts at the picture's
# diagonal) and chance (glaucoma AUC), paired on the same test images, folds averaged per
# image; the lower end of the bootstrap 95 % CI of the gain must be above zero. No fovea
# bar for the summed-loss schemes in `smoke` (flat fovea maps, see Table 1), no AUC bar for
# Res34-Unet (no classifier); in `smoke` the STL glaucoma bar is on its combined score.

# %%
bars = mtl_bars.check(runs, samples, bank, cfg, "mtl_t2_bars",
                      f"Table 2 bars (encoder initialised by {init_name}): gain over the same run's image-blind baseline, "
                      "paired bootstrap 95 % CI; passed = lower end above 0.")

# %% [markdown]
# ## Summary
#
# - The same protocol as Table 1 with the encoder initialised from pretrained weights
#   (ImageNet in `full`, the labelled synthetic-texture stand-in in `smoke` and `real`),
#   plus the Res34-Unet reference; each run is checked against the same image-blind baselines.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: The official split, several seeds: Table 3 (from scratch) →](03_table3_official_split.ipynb)

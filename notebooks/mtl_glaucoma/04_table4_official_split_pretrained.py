# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The official split, several seeds: Table 4 (transfer learning)
#
# Table 3 again - STL and MTL-IO trained on the official training split, scored on the
# official test split, once per seed - but every encoder starts from pretrained weights:
# ImageNet's `vgg13_bn` in the `full` profile, elsewhere the clearly labelled stand-in of
# Table 2 (encoders pretrained to classify synthetic striped textures; nothing is
# downloaded outside `full`).

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, pretrain, tables

cfg = mtl.begin(profile, overrides)

samples = mtl.open_samples(cfg)
bank = mtl.make_bank(samples, cfg)
tasks = mtl.trained_tasks(bank.take(cv.official_parts(samples)["train"]))

# %% [markdown]
# ## Table 4: with the pretrained encoder

# %%
init_name, init_fn = pretrain.encoder_init(cfg, "mtl_unet")
transfer_runs = cv.official_split(samples, ["stl", "mtl_io"], cfg, tasks, bank, seeds=cfg.seeds,
                                 init=init_name, init_fn=init_fn)
transfer = cv.results_frame(transfer_runs)
report.table(tables.paper_layout(tables.summary(transfer)), "mtl_table4",
             f"Table 4 (ours): official split, encoder initialised by {init_name}, mean ± SD over seeds "
             f"{list(cfg.seeds)}.", cfg)
report.table(transfer.set_index(["method", "seed"])[["auc", "auc_combined", "dice_od", "dice_oc", "fovea_px", "vcdr_mae"]],
             "mtl_table4_per_seed", "Table 4 per seed.", cfg)
report.table(tables.paper_vs_ours(tables.summary(transfer), "table4", ["auc", "dice_od", "dice_oc", "fovea_px"]),
             "mtl_table4_paper_vs_ours", "Table 4, paper vs ours (means over seeds; every cell of the paper's table "
             "was lost from its text: not reported).", cfg)

# %% [markdown]
# ## Bars: STL and MTL-IO against image-blind baselines of this run
#
# On the same test images: the mean training disc and cup shapes at their mean training
# position (Dice), the mean training fovea position (error; a missed fovea counts at the
# picture's diagonal) and chance (glaucoma AUC); the seeds' per-image values are averaged,
# so each test image counts once; the lower end of the paired bootstrap 95 % CI of the gain
# must be above zero. In `smoke` the STL glaucoma bar is on its combined score (FC + vCDR):
# its glaucoma-only network stays near chance there (its AUC is the table's).

# %%
bars = mtl_bars.chapter_bars(transfer_runs, samples, bank, cfg)
report.bars(bars, "mtl_t4_bars",
             "Table 4 bars: gain over the same run's image-blind baseline on the same test images, "
             "paired bootstrap 95 % CI; passed = lower end above 0.", cfg)

# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Upstream pretraining: normal versus abnormal
#
# The paper builds its two foundation models by teaching a ResNet50 one thing: is this fundus
# picture normal or abnormal? 113,645 pictures of 57,803 patients, labelled 8:2, train it either
# from scratch (**Fundus**) or from ImageNet weights (**ImageNet + Fundus**), with Adam (lr 1e-5,
# weight decay 1e-5), batch 32, horizontal flip, greyscale, blur and CLAHE, for up to 100 epochs
# with early stopping (Methods). The head is the one of the authors' released code: Linear(2048,
# 512) → BatchNorm → ReLU → Linear(512, 2) (`fundus_utils/models/foundation_resnet.py`).
#
# **What runs here.** In `smoke` the upstream set is the `synthetic-screening` twin: a clinic with
# two fitted camera styles, one normal eye in five with one or two findings, drawn from the eight
# that cover a few per cent of a 64 px picture (`fundus_foundation/settings.py` says why, with the
# measurements that chose them). Its **train patients** pretrain the trunks; its **test patients**
# score them here and are the downstream set of the next sections, never seen upstream (the
# paper's downstream pictures came "independently from the same hospital"). The trunk is a narrow
# ResNet trained at the top rung of the scaled ladder for a few CPU epochs, at a higher learning
# rate with a one-cycle schedule: the paper's 1e-5 barely moves a fresh trunk in twelve epochs.
# "ImageNet" cannot be downloaded here: its place is taken by a **clearly labelled stand-in**, the
# same trunk trained on synthetic non-fundus textures (`fundus_utils.data.textures`). The trunks
# are cached by a key of everything they depend on, so the next sections reuse them.
#
# **At the paper's scale** (`full`: the paper's upstream cost 5 days on 4 A100s) the pictures are
# streamed from the resized-image cache and augmented in DataLoader workers (`upstream.loader`),
# and pretraining is a batch job rather than this cell: `python -m fundus_utils.fundus_foundation.pretrain`
# on one GPU, or `accelerate launch --multi_gpu --num_processes 4 -m fundus_utils.fundus_foundation.pretrain`
# on four (fastai's distributed training: synchronised batch norm, the global batch kept at 32). It
# stores the same cache entries this notebook reads, so the cell below then only loads them.
#
# **Bars.** Each upstream model must rank the held-out test patients' abnormal pictures above the
# normal ones better than a score that ignores the picture (AUC 0.5), by the lower end of a
# stratified paired-bootstrap 95 % interval of the gain.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "upstream.epochs": 16}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import report, session
from fundus_utils.fundus_foundation import figures, upstream

cfg = session.begin("fundus_foundation", profile, overrides, source=upstream.source)
table = upstream.upstream_table(cfg)
print(table.groupby("split")["abnormal"].agg(pictures="size", abnormal="sum").to_string())

# %% [markdown]
# ## The upstream pictures across the ladder
#
# The twin is rendered at the top rung and resized down, as a real photograph would be: a
# finding a few pixels wide at the top rung is a pixel or less two rungs down.

# %%
report.figure(figures.ladder_gallery(table, list(cfg.resolutions), seed=cfg.seed), "ff_ladder_gallery",
              "A normal eye and one eye per finding of the upstream twin, at each rung of the resolution ladder.", cfg)

# %% [markdown]
# ## The ImageNet stand-in and the two upstream models

# %%
standin = upstream.standin_trunk(cfg) if cfg.imagenet == "standin" else None
if standin is not None:
    report.glue("ff_standin_accuracy", f"{standin['accuracy']:.2f}", display=False)
    print(f"stand-in texture task: held-out orientation accuracy {standin['accuracy']:.3f} (chance 0.25)")
summary = upstream.upstream_summary(cfg)
report.table(summary.drop(columns="auc"), "ff_upstream", "Upstream models: epochs trained, the epoch kept (lowest "
             "loss on held-out training patients), and the normal-vs-abnormal AUC [DeLong 95 % CI] on the upstream "
             "test patients.", cfg)
top = summary[summary["resolution"] == summary["resolution"].max()].set_index("model")["AUC [95% CI]"]
for key, init in (("f", "Fundus"), ("if", "ImageNet + Fundus")):
    report.glue(f"ff_upstream_auc_{key}", top[upstream.init_label(init, cfg)], display=False)

# %% [markdown]
# On the upstream test patients, *Fundus* scored {glue:text}`ff_upstream_auc_f` and the
# stand-in + Fundus model {glue:text}`ff_upstream_auc_if` (AUC [95 % CI]).
#
# ## What the trunks see, finding by finding
#
# The AUC of the normal test pictures against those showing one finding (an eye with two counts
# for both): where a trunk is near 0.5, it has not learned that finding.

# %%
report.table(upstream.per_finding(cfg).round(3), "ff_upstream_per_finding", "Upstream test AUC per finding: normal "
             "pictures vs the pictures showing that finding.", cfg)

# %% [markdown]
# ## Bars: do the upstream models read the picture?

# %%
report.bars(upstream.upstream_bars(cfg), "ff_upstream_bars", "Upstream AUC vs a score that ignores the picture (AUC "
            "0.5) on the same test patients: stratified paired bootstrap 95 % CI of the gain; passed = lower end "
            "above 0.", cfg)

# %% [markdown]
# ## Summary
#
# - Two upstream models, *Fundus* and *ImageNet (stand-in) + Fundus*, were trained on the twin's
#   train patients to tell normal from abnormal and scored on its test patients; the tables show
#   how far they got and which findings they learned.
# - The next sections freeze or fine-tune these trunks downstream, on those test patients.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Disease-specific foundation models for fundus images](../../book/papers/fundus_foundation.md) · [Next: Table 1 and Fig. 2A: linear probing across resolutions →](02_table1_linear_probe.ipynb)

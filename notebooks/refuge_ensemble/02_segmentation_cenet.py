# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Optic disc and cup segmentation: CE-Net against U-Net, with and without ellipse fitting
#
# Zhao et al. (Section 2) segment the optic disc (OD) and cup (OC) jointly with CE-Net
# (Gu et al., IEEE TMI 2019): a U-Net whose contracting path is an ImageNet ResNet-34, with a
# *context encoder* between encoder and decoder - a dense atrous convolution (DAC) block and
# a residual multi-kernel pooling (RMP) block - and a decoder of 1x1 convolution, 3x3
# transposed convolution and 1x1 convolution per level with additive skip connections. The
# loss is Dice; ellipse fitting smooths the predicted boundaries. Training (Section 4.2):
# RAdam, batch 16, 200 epochs, learning rate 1e-3 x0.1 every 30 epochs. The paper reports no
# segmentation numbers, so this page chooses the usual ones: OD and OC Dice (mean with 95 %
# bootstrap interval) and the mean absolute error of the vertical cup-to-disc ratio (vCDR).
#
# **Our reading where the paper is silent.** The paper resizes whole images to 512 px for
# classification and fovea localisation and cuts optic-disc crops of about twice the disc
# diameter; segmentation is not among the whole-image tasks, and CE-Net's own OD/OC
# experiments use disc crops, so we segment crops of 2 x the disc diameter. Training crops
# are centred on the *ground-truth* disc, randomly shifted and scaled (`seg.jitter`); test
# crops are centred on the disc found by a small U-Net locator trained on the training
# pictures only - never on test ground truth. The two outputs (OD, OC) are independent
# sigmoid channels; each is thresholded at 0.5 and reduced to its largest component, and
# "ellipse" replaces it by its least-squares ellipse. Predictions are pasted back into the
# whole picture and scored there against the full masks, so a badly placed crop costs Dice.
# The baseline is the book's plain U-Net (`create_model("unet")`) trained identically.
#
# **A baseline that never looks at the crop.** A disc locator already knows where the disc is
# and how large, and discs are roughly round: the training crops' mean disc and cup masks (the
# *shape prior*), placed at the centre of each test crop - the located disc - and pasted back
# like a network's output, score a sizeable Dice by themselves. Both networks are measured
# against this prior on the same test pictures (see the bars at the end).
#
# In `smoke` the data is the synthetic twin (256 px pictures, 64 px crops), the networks are
# narrow copies trained from scratch for a few epochs with one-cycle Adam; `real` trains on
# REFUGE Validation400 and tests on Test400 and Drishti-GS1 on a CPU; `full` is the paper's
# setting. The architecture figure of the paper is replaced by a parameter count per block.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "seg.epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
import pandas as pd

from fundus_utils import report, session
from fundus_utils.models import create_model
from fundus_utils.refuge_ensemble import record_name
from fundus_utils.refuge_ensemble import segmentation as seg

cfg = session.begin("refuge_ensemble", profile, overrides, threads="seg.threads")
train_table, test_tables = seg.open_tables(cfg)
report.data_source("synthetic-refuge twin" if cfg.seg.twin is not None else " + ".join(test_tables))
train = seg.load_seg_data(train_table, cfg.seg.eval_size)
tests = {name: seg.load_seg_data(t, cfg.seg.eval_size) for name, t in test_tables.items()}
print(f"training: {len(train)} pictures; tests: " + ", ".join(f"{k} {len(v)}" for k, v in tests.items()))

# %% [markdown]
# ## The networks, block by block
#
# Parameter counts of CE-Net at the paper's width (ResNet-34, 64 base channels) and at the
# width this profile trains, and of the U-Net baseline. The DAC block is a sizeable share of
# CE-Net (four 3x3 convolutions at the bottleneck's width); the RMP block adds one 1x1
# convolution to a single channel.

# %%
paper_cenet = seg.block_parameters(create_model("cenet", width=64, out_channels=2))
ours_cenet = seg.block_parameters(seg.build_segmenter("cenet", cfg))
ours_unet = seg.block_parameters(seg.build_segmenter("unet", cfg))
summary = pd.concat({"CE-Net, paper (width 64)": paper_cenet,
                     f"CE-Net, this profile (width {cfg.seg.cenet_width})": ours_cenet,
                     f"U-Net, this profile (width {cfg.seg.unet_width})": ours_unet}, names=["model", "block"])
report.table(summary, "re_seg_model_summary", "Parameters per block of CE-Net (encoder, DAC, RMP, decoder) "
             "and of the U-Net baseline.", cfg)

# %% [markdown]
# ## Train the locator, CE-Net and U-Net; score on the test pictures
#
# The tables also score the shape prior (post-processing "none": it is an ellipse already).

# %%
learners, train_s = seg.train_all(train, cfg)
priors = seg.shape_priors(train, cfg)
results = {name: seg.evaluate(learners, data, cfg, priors=priors) for name, data in tests.items()}
tables = {name: seg.summarise(r.per_image) for name, r in results.items()}
main = next(iter(tests))
for name, table in tables.items():
    shown = table[["n", "OD Dice", "OC Dice", "vCDR MAE"]]
    key = "re_seg_table" if name == main else f"re_seg_table_{name.lower().replace('-', '_')}"
    report.table(shown, key, f"OD/OC segmentation on {name} ({len(tests[name])} pictures): mean [95 % bootstrap CI]; "
                 f"crops located by the U-Net locator ({results[name].n_fallback} fallback(s) to the image centre). "
                 f"Training seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in train_s.items()) + ".", cfg)

# %% [markdown]
# ## Examples
#
# Randomly drawn test pictures, zoomed to the test crop: ground truth in white, predictions in
# sky blue (disc solid, cup dashed), before ellipse fitting.

# %%
fig = seg.examples_figure(tests[main], results[main], n=4, seed=cfg.seed)
report.figure(fig, "re_seg_examples", f"OD (solid) and OC (dashed) contours on {main} test pictures: ground truth, "
              "CE-Net, U-Net (no ellipse fitting).", cfg)

# %% [markdown]
# ## The recorded real-data run
#
# With `profile = "real"` this notebook trains on REFUGE Validation400 (images and masks) and
# scores REFUGE Test400 and Drishti-GS1 (its 101 pictures, resized to a square) on a CPU, and
# records its numbers (never images) in `book/papers/recorded/`; a `full` run records and
# shows its own. The smoke run shows the last `real` record with its provenance line.

# %%
if cfg.profile != "smoke":
    real = pd.concat({k: t.drop(columns=[c for c in t.columns if c.startswith("mean_")]) for k, t in tables.items()},
                     names=["test set"])
    report.record(real, record_name(cfg, "segmentation"), cfg,
                  f"CE-Net vs U-Net on disc crops ({cfg.seg.crop_size} px, {cfg.seg.epochs} epochs), trained on "
                  f"REFUGE {'/'.join(cfg.seg.train_splits)}")
report.show_recorded(record_name(cfg, "segmentation"), "re_seg_real_recorded", cfg, source="REFUGE");

# %% [markdown]
# ## Better than the shape prior?
#
# Each bar compares a network (with ellipse fitting, the paper's pipeline) with the shape prior
# on the same test pictures: the mean improvement and its paired bootstrap 95 % interval, which
# must lie above zero - OD Dice, OC Dice, and the vCDR error (the prior's vCDR is a constant).
# Where the test pictures carry glaucoma labels, the AUC of the predicted vCDR must beat chance.
# The bars are set on the main test set (the further test sets of `real` are transfers,
# reported above). Which are asserted is `cfg.seg.asserted_bars` (column `asserted`; `real`
# and `full`: all). In `smoke` the located shape prior already fits the twin's elliptic discs
# nearly as well as the networks (its OD Dice is in the table above), so neither network's OD
# Dice beats it on every seed, and the narrow
# CE-Net (64 px crops; its stride-4 stem leaves 16 px as its finest features) does not beat
# the prior's cup on every seed either, nor, with it, chance with its vCDR's AUC: those rows
# are reported, not asserted. The U-Net's cup, vCDR error and vCDR AUC are asserted.

# %%
bars = seg.bars(results[main], tests[main], label=main)
report.bars(bars, "re_seg_bars", "Bars: each network against the shape prior (the training crops' mean disc and "
            "cup, placed at the located disc) on the same test pictures; gain = improvement with its paired "
            "bootstrap 95 % CI (lo, hi), which must lie above zero where asserted.", cfg,
            asserted=seg.asserted(bars, cfg.seg.asserted_bars))

# %% [markdown]
# ## Summary
#
# - A U-Net locates the disc, and CE-Net and a U-Net segment disc and cup in the crops around
#   it, with and without ellipse fitting; both are checked against the shape prior placed at
#   the located disc, and the recorded real-data run is shown with its own provenance.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: A REFUGE-style pipeline: classification ensemble, CE-Net and distance-map fovea](../../book/papers/refuge_ensemble.md) · [Next: Fovea and optic disc localisation by bi-distance map regression →](03_fovea_bidistance.ipynb)

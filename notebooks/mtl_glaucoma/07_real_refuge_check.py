# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Real REFUGE images on a CPU: MTL-IO against a plain U-Net trained alongside
#
# The `real` profile runs the book's MTL-IO on actual REFUGE images on a 2-core CPU:
# trained on Validation400 (images and disc/cup masks - this copy has neither glaucoma
# labels nor fovea positions for it, so MTL-IO has two tasks, OD and OC, each with its own
# Adam) and scored on Test400 (masks and the 400 glaucoma labels) at 128 px. Without
# training labels glaucoma is ranked by the measured vCDR alone. To halve the cost the
# network sees only rows 25-75 % of each 128 px picture (128 x 64 px): every disc of both
# splits lies within rows 30-63 %, and the data preparation refuses a band that would cut
# one, so Dice and vCDR are measured on whole discs. A fifth of the Validation400 patients
# is held out to select the checkpoint (every `eval_interval` epochs, the lowest summed
# validation loss, as the authors' saver does).
#
# The comparison is trained here, on the same images, epochs, schedule, loss and
# checkpoint selection: a plain U-Net from scratch (the repository's
# `fundus_utils.models.unet.UNet`, two output channels). Both are paired with each other
# on every test image, and both must beat the image-blind baselines (the training discs'
# and cups' mean shape at their mean position; chance for glaucoma). In `real` and `full`
# MTL-IO must also be non-inferior to the U-Net: the paper's claim is that one multi-task
# network does as well as specialised ones, not better.
#
# Run with `profile = "real"` (e.g. `python -m fundus_utils.run --profile real --only
# mtl_glaucoma`), the notebook trains, checks its bars and records its numbers (never
# images) in `book/papers/recorded/`. In the `smoke` profile it runs the same code on the
# synthetic twin's official split and shows the last recorded real run.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, dotted into groups, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import evaluation, report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import bars as mtl_bars
from fundus_utils.mtl_glaucoma import cv, realdata

cfg = mtl.begin(profile, overrides)

samples, bank, tasks = mtl.open_data(cfg, "official")
parts = cv.official_parts(samples)
print(f"training on {len(parts['train'])} images, tasks {tasks}; testing on {len(parts['test'])} images")

# %% [markdown]
# ## Train MTL-IO and the plain U-Net, score both

# %%
mtl_runs = cv.official_split(samples, ["mtl_io"], cfg, tasks, bank, seeds=cfg.seeds[:1])
unet_runs = realdata.plain_unet_runs(samples, cfg, tasks, bank, seeds=cfg.seeds[:1])
runs = cv.results_frame(mtl_runs + unet_runs)
both = realdata.side_by_side(runs)
report.table(both.round(4), "mtl_real_check_this_run",
             f"MTL-IO and a plain U-Net ({cfg.profile} profile, {cfg.image_size} px, {cfg.epochs} epochs, same "
             "images and checkpoint selection); train_s = training wall time, train_cpu_s = process CPU seconds.", cfg)

# %% [markdown]
# ## Bars, and MTL-IO paired with the U-Net
#
# The bars (both networks against the image-blind baselines; MTL-IO's glaucoma AUC against
# chance) must pass. Then MTL-IO is paired with the U-Net on the same test images - OD and
# OC Dice, vCDR error, AUC of the vCDR (DeLong's test beside the bootstrap) - as a
# non-inferiority comparison: a row passes when the lower end of the gain's 95 % CI lies
# above minus its margin (`unet_noninferiority`: MTL-IO at most that much worse). It is
# asserted in `real` and `full` (`assert_unet_comparison`) and recorded from the `real` run.

# %%
bars = mtl_bars.check(mtl_runs + unet_runs, samples, bank, cfg, "mtl_real_bars",
                      f"Real-data check bars ({cfg.profile}): gain over the same run's image-blind baseline on the "
                      "same test images, paired bootstrap 95 % CI; passed = lower end above 0.", fovea_methods=["MTL-IO"])

# %%
paired = mtl_bars.paired_comparison(mtl_runs[0], unet_runs[0], cfg.unet_noninferiority)
margins = ", ".join(f"{k} {v:g}" for k, v in cfg.unet_noninferiority.items())
if cfg.profile != "smoke":
    report.record(both.round(4), f"mtl_glaucoma_{cfg.profile}_refuge", cfg,
                  f"MTL-IO and a plain U-Net trained on REFUGE Validation400, tested on Test400 ({cfg.image_size} px, "
                  f"{cfg.epochs} epochs, MTL width {cfg.width}, U-Net width {cfg.unet_width})")
    report.record(evaluation.bars_table(paired).round(4), f"mtl_glaucoma_{cfg.profile}_refuge_paired", cfg,
                  f"MTL-IO minus the plain U-Net on the REFUGE Test400 images, paired bootstrap 95 % CI; "
                  f"non-inferiority margins {margins}")
report.bars(paired, "mtl_real_paired", f"MTL-IO minus the plain U-Net on the same test images (gain > 0: MTL-IO "
            f"better); passed = the CI's lower end above minus the non-inferiority margin ({margins}).", cfg,
            asserted=[cfg.assert_unet_comparison] * len(paired))

# %% [markdown]
# ## The recorded real-data run
#
# Numbers from the last `real`-profile run of this notebook, with its provenance line
# (commit, data manifest hash, device, wall time).

# %%
report.show_recorded("mtl_glaucoma_real_refuge", "mtl_real_check_recorded", cfg, source="REFUGE")
report.show_recorded("mtl_glaucoma_real_refuge_paired", "mtl_real_paired_recorded", cfg, source="REFUGE");

# %% [markdown]
# ## Summary
#
# - On real REFUGE images (the `real` profile), MTL-IO is trained beside a plain U-Net on the
#   same data and budget and compared with it image by image; in `smoke` the same code runs on
#   the twin, and the recorded real-profile run is shown with its own provenance.

# %% tags=["remove-input"]
report.summary(cfg)

# %% [markdown]
# [← Back to the paper: Multi-task glaucoma analysis with independent optimisers (MTL-IO)](../../book/papers/mtl_glaucoma.md) · [Next: A REFUGE-style pipeline: classification ensemble, CE-Net and distance-map fovea →](../../book/papers/refuge_ensemble.md)

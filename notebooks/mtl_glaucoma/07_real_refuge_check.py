# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (fundus .venv)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Real REFUGE images on a CPU: MTL-IO against the project's bar
#
# The `real` profile runs the book's MTL-IO on actual REFUGE images on a 2-core CPU:
# trained on Validation400 (images and disc/cup masks - this copy has neither glaucoma
# labels nor fovea positions for it, so MTL-IO has two tasks, OD and OC, each with its own
# Adam) and scored on Test400 (masks and the 400 glaucoma labels) at 128 px. Without
# training labels glaucoma is ranked by the measured vCDR alone. To halve the cost the
# network sees only rows 25-75 % of each 128 px picture (128 x 64 px): every disc of both
# splits lies within rows 30-63 %, and the data preparation refuses a band that would cut
# one, so Dice and vCDR are measured on whole discs (false positives outside the band,
# which the largest-component step would mostly remove anyway, cannot occur).
#
# The bar, measured by the project on this machine: a plain 2 M-parameter U-Net trained
# from scratch for 4 minutes at 128 px reaches OD Dice 0.949, OC Dice 0.855, vCDR MAE
# 0.064 and AUC 0.854 (vCDR alone) on Test400.
#
# Run with `profile = "real"` (e.g. `python -m fundus_utils.run --profile real --only
# mtl_glaucoma`), the notebook trains, compares and records its numbers (never images)
# in `book/papers/recorded/`. In the `smoke` profile it runs the same code on the
# synthetic twin's official split and shows the last recorded real run.

# %% tags=["parameters"]
profile = "smoke"
overrides = {}  # any setting, e.g. {"seed": 1, "epochs": 4}: papermill -p overrides '{"seed": 1}'

# %%
from fundus_utils import config, report
from fundus_utils import mtl_glaucoma as mtl
from fundus_utils.mtl_glaucoma import cv, realdata

cfg = config.load("mtl_glaucoma", profile, **overrides)
mtl.setup(cfg)
report.start(cfg, source=mtl.source(cfg))

samples = mtl.open_samples(cfg)
bank = mtl.make_bank(samples, cfg)
parts = cv.official_parts(samples)
tasks = mtl.trained_tasks(bank.take(parts["train"]))
print(f"training on {len(parts['train'])} images, tasks {tasks}; testing on {len(parts['test'])} images")

# %% [markdown]
# ## Train MTL-IO, score it, compare with the bar

# %%
runs = cv.results_frame(cv.official_split(samples, ["mtl_io"], cfg, tasks, bank, seeds=cfg.seeds[:1]))
comparison = realdata.versus_bar(runs)
report.table(comparison, "mtl_real_check_this_run",
             f"MTL-IO ({cfg.profile} profile, {cfg.image_size} px, {runs['params'].iloc[0] / 1e6:.2f} M parameters, "
             f"{cfg.epochs} epochs) vs the bar; train_s = training wall time in seconds.", cfg)
if cfg.profile != "smoke":
    report.record(comparison, f"mtl_glaucoma_{cfg.profile}_refuge", cfg,
                  f"MTL-IO trained on REFUGE Validation400, tested on Test400 ({cfg.image_size} px, "
                  f"{cfg.epochs} epochs, width {cfg.width}, {runs['params'].iloc[0] / 1e6:.2f} M parameters)")

# %% [markdown]
# ## The recorded real-data run
#
# Numbers from the last `real`-profile run of this notebook, with its provenance line
# (commit, data manifest hash, device, wall time).

# %%
report.show_recorded("mtl_glaucoma_real_refuge", "mtl_real_check_recorded", cfg, source="REFUGE");

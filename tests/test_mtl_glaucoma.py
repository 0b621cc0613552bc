"""MTL-IO reproduction (Pascal et al., Sci Rep 2022): network, losses, schemes, post-processing, CV driver.

The four checks the issue asks for: MTL-IO optimizer-state independence, PCGrad on a
hand-computed two-task example, GradNorm weights moving as specified, vCDR and centre of
mass against synthetic ground truth; plus shapes, parameter counts and a tiny end-to-end
run of every scheme.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from fundus_utils import config
from fundus_utils.data import LeakageError
from fundus_utils.evaluation import centre_of_mass, vertical_cdr
from fundus_utils.evaluation.glaucoma_score import VCDRLogistic, combined_score
from fundus_utils.evaluation.postprocess import largest_component
from fundus_utils.models import create_model
from fundus_utils.models.mtl_unet import TASKS, MTLUNet, count_parameters, stl_parameter_count
from fundus_utils.mtl_glaucoma.cv import check_disjoint, fold_parts, official_parts
from fundus_utils.mtl_glaucoma.data import TaskArrays
from fundus_utils.mtl_glaucoma.evaluate import evaluate
from fundus_utils.mtl_glaucoma.fit import build_learner, fit_scheme
from fundus_utils.mtl_glaucoma.schemes import SCHEMES, GradNorm, TaskOptimizers, pcgrad_combine
from fundus_utils.mtl_glaucoma.losses import MultiTaskLoss, fovea_heatmap, fovea_variance
from fundus_utils.mtl_glaucoma.metrics import fovea_from_maps


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def ellipse(shape, cx, cy, rx, ry):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1


def tiny_arrays(n=8, size=16, seed=0) -> TaskArrays:
    """Random images with a disc/cup and fovea target, labels 0/1 alternating."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 255, (n, 3, size, size), dtype=np.uint8)
    seg = np.zeros((n, 3, size, size), np.float32)
    aux = np.zeros((n, 4), np.float32)
    for i in range(n):
        cx, cy = rng.uniform(5, size - 5, 2)
        seg[i, 0] = ellipse((size, size), cx, cy, 3, 4)
        seg[i, 1] = ellipse((size, size), cx, cy, 1.5, 2 + (i % 2))
        fx, fy = rng.uniform(3, size - 3, 2)
        seg[i, 2] = fovea_heatmap(fx, fy, size, 2.0)
        aux[i] = [i % 2, fx, fy, 1]
        x[i][:, seg[i, 0] > 0] = 200
    vcdr = np.array([vertical_cdr(s[0] > 0.5, s[1] > 0.5) for s in seg])
    return TaskArrays(np.array([f"img{i}" for i in range(n)]), x, seg, aux, vcdr, size)


def tiny_cfg(**kw):
    base = dict(width=2, dropout=0.0, batch_size=4, epochs=1, lr=1e-3, schedule="constant", augment=False,
                seg_loss="bce", rows=None, image_size=16)
    base.update(kw)
    return config.load("mtl_glaucoma", "smoke", **base)


# ---------------------------------------------------------------------------------------
# network
# ---------------------------------------------------------------------------------------
def test_network_heads_and_partial_forward():
    net = create_model("mtl_unet", width=4)
    out = net(torch.randn(2, 3, 32, 48))
    assert set(out) == set(TASKS)
    assert out["glaucoma"].shape == (2,) and out["od"].shape == (2, 1, 32, 48) and out["fovea"].shape == (2, 1, 32, 48)
    assert set(net(torch.randn(1, 3, 32, 32), tasks=["glaucoma"])) == {"glaucoma"}
    clf = MTLUNet(tasks=["glaucoma"], width=4)
    assert clf.decoder is None  # the glaucoma-only STL network is an encoder with its FC head
    shared = {id(p) for p in net.shared_parameters()}
    assert all(id(p) in shared for p in net.encoder.parameters())
    assert {id(p) for p in net.task_parameters("glaucoma")} & {id(p) for p in net.decoder.parameters()} == set()


def test_parameter_counts_match_the_paper():
    # Paper, Table 1: STL 61.2 M parameters, "approximately 3.5 times" the MTL network.
    mtl = count_parameters(MTLUNet(width=64))
    stl = stl_parameter_count(width=64)
    assert round(stl / 1e6, 1) == 61.2
    assert 3.4 < stl / mtl < 3.6


# ---------------------------------------------------------------------------------------
# losses and targets
# ---------------------------------------------------------------------------------------
def test_fovea_heatmap_and_losses():
    var = fovea_variance(64)
    assert var == pytest.approx(50 * (64 / 256) ** 2)
    h = fovea_heatmap(20.0, 30.0, 64, var)
    assert h.max() == pytest.approx(1.0) and h[30, 20] == pytest.approx(1.0)
    assert not fovea_heatmap(float("nan"), 3.0, 8, 1.0).any()
    lf = MultiTaskLoss(TASKS)
    arr = tiny_arrays(4)
    seg, aux = torch.from_numpy(arr.seg), torch.from_numpy(arr.aux)
    perfect = {"od": (seg[:, :1] * 2 - 1) * 30, "oc": (seg[:, 1:2] * 2 - 1) * 30,
               "fovea": torch.logit(seg[:, 2:3].clamp(1e-6, 1 - 1e-6)), "glaucoma": (aux[:, 0] * 2 - 1) * 30}
    losses = lf.task_losses(perfect, seg, aux)
    assert all(float(v) < 1e-4 for v in losses.values())
    aux_nan = aux.clone()
    aux_nan[:, 0] = float("nan")
    assert float(lf.task_loss(perfect, seg, aux_nan, "glaucoma")) == 0.0  # unknown labels do not train


# ---------------------------------------------------------------------------------------
# MTL-IO: one optimizer per task, no state shared
# ---------------------------------------------------------------------------------------
def test_task_optimizers_keep_independent_moments():
    p = torch.nn.Parameter(torch.zeros(3))
    opt = TaskOptimizers({"a": [p], "b": [p]}, lr=0.1)
    g1, g2, g3 = torch.tensor([1.0, 0, 0]), torch.tensor([0, 2.0, 0]), torch.tensor([0, 0, 3.0])
    beta1 = 0.9
    p.grad = g1.clone()
    opt.step("a")
    assert "exp_avg" not in opt.opts["b"].opt.state[p]  # task b untouched by task a's step
    p.grad = g2.clone()
    opt.step("b")
    p.grad = g3.clone()
    opt.step("a")
    ma, mb = opt.opts["a"].opt.state[p]["exp_avg"], opt.opts["b"].opt.state[p]["exp_avg"]
    assert torch.allclose(ma, beta1 * (1 - beta1) * g1 + (1 - beta1) * g3)  # no trace of g2
    assert torch.allclose(mb, (1 - beta1) * g2)
    assert ma.data_ptr() != mb.data_ptr()
    opt.set_hyper("lr", 0.5)  # fastai schedules reach every task optimizer
    assert all(o.hypers[0]["lr"] == 0.5 for o in opt.opts.values())


def test_mtl_io_learner_equals_alternating_independent_adams():
    # float64: the conv biases in front of BatchNorm have an analytically zero gradient, and
    # Adam's first step (about lr * sign(g)) would turn float32 round-off there into +-lr.
    torch.manual_seed(0)
    cfg = tiny_cfg()
    arr = tiny_arrays(4)
    arr = TaskArrays(arr.image_id, arr.x.astype(np.float64) / 255, arr.seg.astype(np.float64),
                     arr.aux.astype(np.float64), arr.vcdr, arr.size)
    model = MTLUNet(tasks=TASKS, width=2, dropout=0.0).double()
    ref = copy.deepcopy(model)
    learn = build_learner("mtl_io", model, TASKS, arr, None, cfg, lr=1e-3)
    for dl in learn.dls.loaders:  # the loaders store float32: make the batches float64
        dl.dataset.tensors = tuple(t.double() for t in dl.dataset.tensors)
    x, seg, aux = learn.dls.train.dataset.tensors
    learn.fit(1, 1e-3)  # one batch: every task steps once, in the code's order
    # Reference: the paper's eq. 3 written out - per task, forward at the current weights,
    # backward, step that task's own Adam.
    lf = MultiTaskLoss(TASKS)
    opts = {t: torch.optim.Adam(ref.task_parameters(t), lr=1e-3) for t in TASKS}
    for t in TASKS:
        ref.zero_grad(set_to_none=True)
        lf.task_loss(ref(x, tasks=[t]), seg, aux, t).backward()
        opts[t].step()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert torch.allclose(p, q, atol=1e-9)
    tos: TaskOptimizers = learn.opt
    for t in TASKS:
        for p, q in zip(model.task_parameters(t), ref.task_parameters(t)):
            assert torch.allclose(tos.opts[t].opt.state[p]["exp_avg"], opts[t].state[q]["exp_avg"], atol=1e-12)
    w = model.encoder.levels[0][0][0].weight  # shared by every task: four different first moments
    moments = [tos.opts[t].opt.state[w]["exp_avg"] for t in TASKS]
    assert len({m.data_ptr() for m in moments}) == 4
    assert not torch.allclose(moments[0], moments[1])


# ---------------------------------------------------------------------------------------
# PCGrad and GradNorm
# ---------------------------------------------------------------------------------------
def test_pcgrad_hand_computed_two_tasks():
    # g1 . g2 = -1 < 0: g1' = g1 - (-1/2) g2 = [0.5, 0.5]; g2' = g2 - (-1/1) g1 = [0, 1]; sum [0.5, 1.5]
    g = torch.tensor([[1.0, 0.0], [-1.0, 1.0]])
    assert torch.allclose(pcgrad_combine(g, shuffle=False), torch.tensor([0.5, 1.5]))
    assert torch.allclose(pcgrad_combine(g, torch.Generator().manual_seed(3)), torch.tensor([0.5, 1.5]))
    # no conflict: plain sum
    assert torch.allclose(pcgrad_combine(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), shuffle=False), torch.tensor([2.0, 1.0]))


def _gradnorm_reference(weights, losses, initial, norms, alpha):
    """GradNorm's L_grad differentiated by autograd, target held constant (Chen et al. 2018, eq. 2)."""
    w = weights.clone().requires_grad_(True)
    g = w * norms
    ratio = losses / initial
    target = (g.mean() * (ratio / ratio.mean()) ** alpha).detach()
    (g - target).abs().sum().backward()
    return w.grad


def test_gradnorm_weight_gradient_and_update():
    gn = GradNorm(alpha=1.5)
    gn.weights = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
    gn.initial = torch.tensor([2.0, 1.0, 4.0])
    losses = torch.tensor([1.0, 0.9, 1.0])          # task 1 trains slowest (largest L/L0 relative)...
    norms = torch.tensor([3.0, 1.0, 0.5])            # ...task 0 has the largest gradient norm
    grad = gn.weight_gradient(losses, norms)
    assert torch.allclose(grad, _gradnorm_reference(gn.weights.detach(), losses, gn.initial, norms, 1.5))
    # At the first step (all r_i = 1) the target is the mean norm: the weight of the task
    # with the largest gradient goes down, that of the smallest goes up, the sum stays T.
    gn.initial = losses.clone()
    gn.weights.grad = gn.weight_gradient(losses, norms)
    gn.w_opt = torch.optim.Adam([gn.weights], lr=0.1)
    gn.w_opt.step()
    gn.renormalise()
    w = gn.weights.detach()
    assert w[0] < 1 < w[2] and float(w.sum()) == pytest.approx(3.0)


def test_gradnorm_in_training_keeps_sum_and_moves_weights():
    cfg = tiny_cfg(epochs=2)
    fitted = fit_scheme("gradnorm", tiny_arrays(8), cfg, TASKS, seed=0)
    hist = np.array(fitted.gradnorm_weights)
    assert hist.shape == (4, 4)  # 2 batches x 2 epochs, 4 tasks
    assert np.allclose(hist.sum(1), 4.0) and not np.allclose(hist[-1], 1.0)


# ---------------------------------------------------------------------------------------
# post-processing and geometry against synthetic ground truth
# ---------------------------------------------------------------------------------------
def test_vcdr_and_centre_of_mass_on_synthetic_shapes():
    disc = ellipse((128, 128), 60, 64, 18, 20)     # rows 44..84: 41 rows
    cup = ellipse((128, 128), 62, 66, 7, 8)        # rows 58..74: 17 rows
    assert vertical_cdr(disc, cup) == pytest.approx(17 / 41)
    noisy = disc.copy()
    noisy[5:8, 5:8] = True  # a speck: removed by the largest-component refinement
    assert vertical_cdr(largest_component(noisy), cup) == pytest.approx(17 / 41)
    assert not largest_component(np.zeros((4, 4), bool)).any()
    h = fovea_heatmap(70.3, 40.6, 128, fovea_variance(128))
    assert centre_of_mass(h) == pytest.approx((70.3, 40.6), abs=1e-3)
    xy = fovea_from_maps(torch.from_numpy(np.stack([h, np.zeros_like(h)])))
    assert xy[0].tolist() == pytest.approx([70.3, 40.6], abs=1e-3) and torch.isnan(xy[1]).all()


def test_vcdr_and_fovea_on_the_synthetic_twin():
    from fundus_utils import data
    from fundus_utils.mtl_glaucoma.data import prepare

    table = data.open_dataset("synthetic-refuge", n=6, size=256, seed=3)
    arr = prepare(table, 256)
    # the twin's vcdr is exact by construction; masks at 256 px measure it to a pixel or two
    assert np.allclose(arr.vcdr, table["vcdr"], atol=0.08)
    ok = np.isfinite(arr.fovea_xy[:, 0])
    com = np.array([centre_of_mass(h) for h in arr.seg[ok, 2]])
    assert np.allclose(com, arr.fovea_xy[ok], atol=0.5)
    band = prepare(table, 256, rows=(0.25, 0.75))  # the twin's discs sit in the middle rows
    assert band.x.shape[2] == 128 and np.allclose(band.vcdr, arr.vcdr)
    with pytest.raises(ValueError, match="cuts the optic disc"):
        prepare(table, 256, rows=(0.0, 0.3))


def test_glaucoma_score_parts():
    lr = VCDRLogistic().fit(np.array([0.3, 0.35, 0.4, 0.7, 0.75, 0.8]), np.array([0, 0, 0, 1, 1, 1]))
    p = lr.predict_proba(np.array([0.3, 0.8, np.nan]))
    assert p[0] < 0.5 < p[1] and 0 < p[2] < 1
    assert combined_score(np.array([0.2]), np.array([0.6])) == pytest.approx([0.4])
    assert combined_score(None, np.array([0.6])) == pytest.approx([0.6])


# ---------------------------------------------------------------------------------------
# cross-validation driver and every scheme end to end
# ---------------------------------------------------------------------------------------
def test_folds_are_patient_disjoint():
    t = pd.DataFrame({"image_id": [f"i{k}" for k in range(10)], "patient_id": [f"p{k // 2}" for k in range(10)],
                      "split": ["train"] * 6 + ["val"] * 2 + ["test"] * 2, "fold": [0, 0, 1, 1, 0, 0, 1, 1, -1, -1]})
    parts = fold_parts(t, 0)
    assert set(parts["train"]["fold"]) == {1} and set(parts["valid"]["fold"]) == {0} and len(parts["test"]) == 2
    assert len(official_parts(t)["train"]) == 6
    t2 = t.copy()
    t2.loc[9, "patient_id"] = "p0"
    with pytest.raises(LeakageError):
        check_disjoint({"train": t2[t2["split"] == "train"], "test": t2[t2["split"] == "test"]})


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_scheme_trains_and_scores(scheme):
    cfg = tiny_cfg()
    train, test = tiny_arrays(8, seed=1), tiny_arrays(6, seed=2)
    fitted = fit_scheme(scheme, train, cfg, TASKS, seed=0)
    assert len(fitted.models) == (4 if scheme == "stl" else 1)
    metrics, rows = evaluate(fitted, train, test, cfg)
    assert set(metrics) >= {"auc", "dice_od", "dice_oc", "vcdr_mae", "fovea_px"}
    assert len(rows) == 6 and np.isfinite(metrics["dice_od"]) and np.isfinite(metrics["fovea_px"])


# ---------------------------------------------------------------------------------------
# authors' code details: soft vCDR, checkpoint selection, batch statistics, fovea target
# ---------------------------------------------------------------------------------------
def test_soft_vcdr_is_the_codes_largest_column_sum_ratio():
    from fundus_utils.evaluation.glaucoma_score import soft_vcdr, vertical_diameter
    from fundus_utils.mtl_glaucoma.evaluate import measure_vcdr

    od = ellipse((40, 40), 20, 20, 8, 10)[None].astype(float)
    oc = ellipse((40, 40), 20, 20, 3, 5)[None].astype(float)
    # binary masks: tallest column = vertical extent of a convex shape (21 and 11 px)
    assert vertical_diameter(od)[0] == 21 and vertical_diameter(oc)[0] == 11
    assert soft_vcdr(od, oc)[0] == pytest.approx(11 / 21, abs=1e-6)
    assert measure_vcdr(od, oc, "mask")[0] == pytest.approx(vertical_cdr(od[0] > 0, oc[0] > 0))
    # soft maps: the code sums probabilities, so a half-confident cup counts half
    assert soft_vcdr(od, 0.5 * oc)[0] == pytest.approx(5.5 / 21, abs=1e-6)
    with pytest.raises(ValueError):
        measure_vcdr(od, oc, "area")


def test_checkpoint_monitor_follows_the_authors_saver():
    from fundus_utils.mtl_glaucoma.fit import checkpoint_monitor

    assert checkpoint_monitor("stl", ("glaucoma",)) == ("auc", True)
    assert checkpoint_monitor("stl", ("od",)) == ("dice_od", True)
    assert checkpoint_monitor("stl", ("fovea",)) == ("fovea_px", False)
    for scheme in ("mtl_io", "vanilla", "gradnorm", "pcgrad"):
        assert checkpoint_monitor(scheme, TASKS) == ("valid_loss", False)


def test_best_checkpoint_keeps_the_lowest_validation_loss_state():
    from fundus_utils.mtl_glaucoma.fit import with_last_states

    cfg = tiny_cfg(lr=3e-2, checkpoint=dict(eval_interval=2, valid_max=None, valid_fraction=0.2))
    train, valid = tiny_arrays(8, seed=1), tiny_arrays(8, seed=3)
    fitted = fit_scheme("vanilla", train, cfg, TASKS, valid=valid, epochs=5, seed=0)
    ck = fitted.checkpoints[0]
    assert [e["epoch"] for e in ck["log"]] == [2, 4, 5]  # every 2 epochs and after the last
    losses = [e["valid_loss"] for e in ck["log"]]
    assert ck["best_epoch"] == ck["log"][int(np.argmin(losses))]["epoch"]
    model = fitted.models[0].eval()
    with torch.no_grad():
        xb = torch.from_numpy(valid.x).float().div(255)
        loss = MultiTaskLoss(TASKS)(model(xb), torch.from_numpy(valid.seg), torch.from_numpy(valid.aux))
    assert float(loss) == pytest.approx(min(losses), rel=1e-4)
    assert with_last_states(fitted, cfg) is not None
    # without validation images: the last epoch, no selection
    assert fit_scheme("vanilla", train, cfg, TASKS, epochs=1).checkpoints is None


def test_batch_statistics_mode_has_no_running_buffers():
    m = MTLUNet(width=2, bn_batch_stats=True).eval()
    bns = [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)]
    assert bns and all(b.running_mean is None and not b.track_running_stats for b in bns)
    x = torch.rand(4, 3, 32, 32)  # a 2 x 2 bottleneck: one image still has more than one value per channel
    alone = m(x[:1], tasks=["od"])["od"]
    batched = m(x, tasks=["od"])["od"][:1]
    assert not torch.allclose(alone, batched)  # normalised by the batch it is in, as in the code
    assert "encoder.levels.0.0.1.running_mean" not in m.state_dict()


def test_reference_fovea_is_the_centre_of_mass_of_the_target_map():
    from fundus_utils.mtl_glaucoma.data import target_fovea_xy

    inside = fovea_heatmap(10.3, 7.6, 24, 4.0)
    edge = fovea_heatmap(0.5, 12.0, 24, 9.0)  # cut by the left edge: the centre of mass moves inward
    xy = target_fovea_xy(np.stack([inside, edge, np.zeros((24, 24), np.float32)]), np.array([10.3, 0.5, np.nan]))
    assert xy[0] == pytest.approx([10.3, 7.6], abs=1e-3)
    assert xy[1, 0] > 1.0 and xy[1, 1] == pytest.approx(12.0, abs=1e-3)
    assert np.isnan(xy[2]).all()


def test_seed_override_changes_run_seeds_and_the_cache_key(tmp_path, monkeypatch):
    from fundus_utils.mtl_glaucoma.cv import cache_path, run_seed

    monkeypatch.setenv("FUNDUS_CACHE", str(tmp_path))
    a, b = config.load("mtl_glaucoma", "smoke"), config.load("mtl_glaucoma", "smoke", seed=1)
    assert run_seed(a, 0) != run_seed(b, 0) and run_seed(a, 1) != run_seed(b, 0)
    assert cache_path(a, "runs", {"k": 1}) != cache_path(b, "runs", {"k": 1})


def test_validation_part_is_patient_level_and_never_the_test_split():
    from fundus_utils.mtl_glaucoma.cv import validation_part

    t = pd.DataFrame({"image_id": [f"i{k}" for k in range(30)], "patient_id": [f"p{k // 2}" for k in range(30)],
                      "split": ["val"] * 20 + ["test"] * 10})
    parts = {"train": t[t.split == "val"], "valid": t.iloc[:0], "test": t[t.split == "test"]}
    cfg = config.load("mtl_glaucoma", "smoke", checkpoint=dict(eval_interval=2, valid_max=4, valid_fraction=0.3))
    p = validation_part(parts, cfg)
    sel, train = set(p["select"].patient_id), set(p["train"].patient_id)
    assert sel and not sel & train and not sel & set(p["test"].patient_id)
    assert len(p["select"]) <= 4 and len(p["select"]) + len(p["train"]) <= 20
    given = {"train": t.iloc[:10], "valid": t.iloc[10:20], "test": t[t.split == "test"]}
    q = validation_part(given, cfg)  # a run's own validation split is used as is (capped)
    assert set(q["select"].image_id) <= set(t.iloc[10:20].image_id) and len(q["train"]) == 10


def test_bars_against_image_blind_baselines():
    from fundus_utils.mtl_glaucoma.bars import baseline_per_image
    from fundus_utils.mtl_glaucoma.cv import ArrayBank

    arrays = tiny_arrays(12, size=16, seed=4)
    table = pd.DataFrame({"image_id": arrays.image_id, "patient_id": arrays.image_id,
                          "eye": ["L", "R"] * 6, "split": ["train"] * 8 + ["test"] * 4})
    bank = ArrayBank(table, None, lambda t: arrays)
    parts = {"train": table.iloc[:8], "test": table.iloc[8:]}
    base = baseline_per_image(bank, parts)
    eye = baseline_per_image(bank, parts, per_eye=True)
    assert list(base.columns) == ["dice_od", "dice_oc", "fovea_px"] and len(base) == 4
    assert np.isfinite(base.to_numpy()).all() and np.isfinite(eye.to_numpy()).all()
    assert ((base["dice_od"] >= 0) & (base["dice_od"] <= 1)).all()


def test_missed_fovea_and_unscored_eyes_are_counted_not_dropped():
    from fundus_utils.mtl_glaucoma.evaluate import score_predictions

    train, test = tiny_arrays(8, seed=1), tiny_arrays(6, seed=2)
    probs = {"od": test.seg[:, 0].copy(), "oc": test.seg[:, 1].copy(), "fovea": test.seg[:, 2].copy()}
    probs["fovea"][0] = 0.0                                     # a flat map: no centre of mass
    probs["od"][1] = probs["oc"][1] = 0.0                       # no disc found: no mask vCDR
    test.aux[5, 0] = np.nan                                     # one eye without a glaucoma label
    metrics, rows = score_predictions(probs, train, test, "mask")
    assert metrics["fovea_missed"] == 1 and metrics["n_fovea"] == 6 and bool(rows["fovea_missed"][0])
    assert rows["fovea_px"][0] == pytest.approx(np.hypot(16, 16)) and metrics["fovea_px"] > rows["fovea_px"][1:].mean()
    assert metrics["n_labelled"] == 5 and metrics["n_masks"] == 6
    assert np.isnan(rows["vcdr_mask"][1]) and np.isfinite(metrics["auc_vcdr_mask"])  # ranked lowest, not dropped

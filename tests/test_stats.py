"""DeLong's AUC variance (``delong_ci``) and test (``delong_test``) against two independent references.

(a) DeLong et al. (1988)'s structural components written out here in O(m n) from the psi kernel;
(b) MLstatkit's ``Delong_test`` (its own mid-rank code, z signed B - A, per-AUC CIs clipped to [0, 1]).
"""
import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from fundus_utils.evaluation import delong_ci, delong_test


def _direct_delong(y, *scores):
    """AUCs and DeLong's covariance matrix S10/m + S01/n from the psi kernel, one score per row."""
    pos, neg = y == 1, y == 0
    m, n = int(pos.sum()), int(neg.sum())
    v10, v01, aucs = [], [], []
    for s in scores:
        psi = np.empty((m, n))
        for i, x in enumerate(s[pos]):
            for j, z in enumerate(s[neg]):
                psi[i, j] = 1.0 if x > z else (0.5 if x == z else 0.0)
        aucs.append(psi.sum() / (m * n))
        v10.append(psi.sum(axis=1) / n)  # V10(X_i): one per positive
        v01.append(psi.sum(axis=0) / m)  # V01(Y_j): one per negative
    v10, v01, aucs = np.array(v10), np.array(v01), np.array(aucs)
    k = len(scores)
    s10, s01 = np.empty((k, k)), np.empty((k, k))
    for r in range(k):
        for c in range(k):
            s10[r, c] = ((v10[r] - aucs[r]) * (v10[c] - aucs[c])).sum() / (m - 1)
            s01[r, c] = ((v01[r] - aucs[r]) * (v01[c] - aucs[c])).sum() / (n - 1)
    return aucs, s10 / m + s01 / n


def _two_scores(seed, n=90, ties=True):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    common = rng.normal(size=n)  # shared noise: the two scores are correlated
    a = 1.2 * y + common + 0.6 * rng.normal(size=n)
    b = 0.5 * y + common + 0.6 * rng.normal(size=n)
    if ties:  # coarse rounding makes ties within and across classes
        a, b = np.round(a, 0), np.round(b * 2, 0) / 2
    return y, a, b


@pytest.mark.parametrize("seed,ties", [(0, True), (1, True), (2, False), (3, True)])
def test_delong_test_matches_direct_structural_components(seed, ties):
    y, a, b = _two_scores(seed, ties=ties)
    if ties:
        assert len(np.unique(a)) < len(a) / 3
    aucs, cov = _direct_delong(y, a, b)
    r = delong_test(y, a, b)
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (aucs[0] - aucs[1]) / np.sqrt(var)
    assert r["auc_a"] == pytest.approx(aucs[0], abs=1e-12)
    assert r["auc_b"] == pytest.approx(aucs[1], abs=1e-12)
    assert r["auc_a"] == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert r["se"] == pytest.approx(np.sqrt(var), rel=1e-10)
    assert r["z"] == pytest.approx(z, rel=1e-10)
    assert r["p"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert r["lo"] == pytest.approx(aucs[0] - aucs[1] - 1.959964 * np.sqrt(var), rel=1e-9)
    assert delong_test(y, a, b, alternative="greater")["p"] == pytest.approx(norm.sf(z), rel=1e-9)
    assert cov[0, 1] > 0  # the shared noise makes the AUCs correlated: the test uses the covariance


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_delong_ci_matches_direct_variance(seed):
    y, a, _ = _two_scores(seed)
    aucs, cov = _direct_delong(y, a)
    auc, lo, hi = delong_ci(y, a)
    se = np.sqrt(cov[0, 0])
    assert auc == pytest.approx(aucs[0], abs=1e-12)
    assert lo == pytest.approx(max(0.0, aucs[0] - norm.ppf(0.975) * se), rel=1e-10)
    assert hi == pytest.approx(min(1.0, aucs[0] + norm.ppf(0.975) * se), rel=1e-10)
    auc90, lo90, hi90 = delong_ci(y, a, alpha=0.10)
    assert auc90 == auc and lo < lo90 < auc < hi90 < hi
    assert hi90 - lo90 == pytest.approx(2 * norm.ppf(0.95) * se, rel=1e-10)


def test_delong_ci_clips_to_unit_interval_and_checks_inputs():
    y = np.array([0, 0, 0, 1, 1, 1])
    auc, lo, hi = delong_ci(y, np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]))  # perfect separation: zero variance
    assert (auc, lo, hi) == (1.0, 1.0, 1.0)
    auc, lo, hi = delong_ci(y, np.array([0.1, 0.2, 0.75, 0.7, 0.8, 0.9]))
    assert auc == pytest.approx(8 / 9) and lo < auc and hi == 1.0
    with pytest.raises(ValueError, match="two images of each class"):
        delong_ci(np.array([0, 1, 1]), np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="NaN"):
        delong_ci(y, np.array([0.1, np.nan, 0.3, 0.7, 0.8, 0.9]))
    with pytest.raises(ValueError, match="alpha"):
        delong_ci(y, np.arange(6.0), alpha=1.5)


try:  # a test-only dependency (requirements.txt): only the comparison with it is skipped without it
    from MLstatkit.delong import Delong_test as MLstatkit_delong
except ImportError:
    MLstatkit_delong = None


@pytest.mark.skipif(MLstatkit_delong is None,
                    reason="MLstatkit (test-only dependency, pinned in requirements.txt) is not importable: "
                           "the comparison with an independent DeLong implementation is skipped")
@pytest.mark.parametrize("seed,ties", [(0, True), (1, True), (2, False), (5, False)])
def test_delong_matches_mlstatkit(seed, ties):
    y, a, b = _two_scores(seed, n=150, ties=ties)
    z_ml, p_ml, ci_a, ci_b, auc_a, auc_b, info = MLstatkit_delong(y, a, b, alpha=0.95)  # alpha: its confidence level
    assert info["method"] == "delong"  # not its bootstrap fallback
    r = delong_test(y, a, b)
    assert r["auc_a"] == pytest.approx(auc_a, abs=1e-12) and r["auc_b"] == pytest.approx(auc_b, abs=1e-12)
    assert r["z"] == pytest.approx(-z_ml, rel=1e-10)  # MLstatkit signs z as AUC_B - AUC_A
    assert r["p"] == pytest.approx(p_ml, rel=1e-9)
    assert r["se"] ** 2 == pytest.approx(info["var_diff"], rel=1e-10)
    for s, ci in ((a, ci_a), (b, ci_b)):
        _, lo, hi = delong_ci(y, s, alpha=0.05)
        assert (lo, hi) == pytest.approx(ci, rel=1e-10)

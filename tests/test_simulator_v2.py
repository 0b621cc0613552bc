"""Simulator v2: anatomical vessel trees, fitted colours, and the statistics that compare them with real photographs."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from fundus_utils.data.registry import present
from fundus_utils.data.simulator import fitted_style, render, sample_scene
from fundus_utils.data.simulator.fitted import DEVICE_COLOURS
from fundus_utils.data.simulator.lesion_looks import LOOKS, paint_family
from fundus_utils.data.simulator.realistic import colour_map
from fundus_utils.data.simulator.vasculature import FAZ, _flows, grow_trees
from fundus_utils.synthetic import photo_stats as ps

DATA = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_v1_scenes_are_drawn_as_before_v2_existed():
    """v2 must not move a v1 draw: every chapter's twin stands on v1."""
    a, b = sample_scene(4), sample_scene(4, simulator="v1")
    assert a.tree is None and b.simulator == "v1" and len(a.branches) == len(b.branches)
    assert np.array_equal(render(a, 96).image, render(b, 96).image)


@pytest.mark.parametrize("family", sorted(LOOKS))
def test_v2_lesions_change_the_tissue_inside_their_mask_only(family):
    """Blood darkens, deposits brighten, where the mask says; nothing changes beyond the soft edge."""
    size, dd_px = 256, 40.0
    spots = [(0.3, 0.4, 0.04, 0.03, 20.0, 0.9), (0.6, 0.6, 0.06, 0.05, 0.0, 0.8)]
    tissue = np.full((size, size, 3), (0.6, 0.3, 0.15), np.float32)
    img = tissue.copy()
    look = LOOKS[family]
    mask = paint_family(img, spots, look, dd_px, size, np.random.default_rng(0))
    change = (img - tissue).sum(-1)
    sign = 1 if sum(look.lift) > sum(look.absorb) else -1
    assert mask.any() and (sign * change[mask] > 0.02).mean() > 0.95
    ellipses = sum(np.pi * rx * ry for _, _, rx, ry, _, _ in spots) * size ** 2
    assert 0.6 < mask.sum() / ellipses < 1.4, "the textured edge stays near the drawn ellipse"
    reach = int(3 * look.soft_dd * dd_px + 4)
    near = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)).astype(bool)
    assert np.abs(change[~near]).max() < 1e-6


def test_flows_follow_the_pipe_model():
    # A trunk 0-1-2 with a twig 3-4 off node 1 and a leaf 5 off node 2.
    parents = np.array([-1, 0, 1, 1, 3, 2])
    generation = np.array([0, 0, 0, 1, 2, 1])
    assert _flows(parents, generation).tolist() == [6, 5, 2, 2, 1, 1]


def test_tree_obeys_murray_and_avoids_the_faz():
    scene = sample_scene(2, simulator="v2")
    g = scene.geometry
    tree = grow_trees(np.random.default_rng(0), g.disc, g.fovea, g.dd, g.fov_c, g.fov_r)
    assert tree.artery.any() and (~tree.artery).any()
    # calibres from flow^(1/3): the widest segment of each tree is its root calibre, every width positive
    assert np.all(tree.width > 0) and tree.width.max() <= 0.076 * g.dd
    assert np.linalg.norm(tree.end - g.fovea, axis=1).min() > FAZ * g.dd


def test_arcades_arch_around_the_macula():
    """Vessel pixels are sparse at the fovea and dense on the arcades above and below it."""
    out = render(sample_scene(8, style="REFUGE", simulator="v2", eye="L"), 512)
    fx, fy = (int(round(v)) for v in out.fovea_xy)
    dx, dy = np.subtract(out.fovea_xy, out.od_xy)
    dd = np.hypot(dx, dy) / 2.5
    near = out.vessels[fy - int(0.3 * dd):fy + int(0.3 * dd), fx - int(0.3 * dd):fx + int(0.3 * dd)]
    assert not near.any()
    band = out.vessels[:, int(out.od_xy[0] + 0.8 * dd):int(out.od_xy[0] + 1.6 * dd)]
    rows = np.flatnonzero(band.any(1))
    assert rows.min() < fy - 1.0 * dd and rows.max() > fy + 1.0 * dd, "arcades above and below the fovea"


def test_colour_map_gives_the_target_variances_without_mixing_channels():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 3))
    source, target = a @ a.T + np.eye(3), np.asarray(DEVICE_COLOURS["DRIVE"]["pixel_cov"])
    m = colour_map(source, target)
    assert np.allclose(np.diag(m @ source @ m.T), np.diag(target), atol=1e-12)
    assert np.count_nonzero(m - np.diag(np.diag(m))) == 0


@pytest.mark.parametrize("device", sorted(DEVICE_COLOURS))
def test_v2_colours_follow_the_fitted_device(device):
    means = []
    for seed in range(6):
        scene = sample_scene(seed, style=device, simulator="v2")
        out = render(scene, 256)
        got = out.image[out.fov].mean(0) / 255
        assert np.abs(got - np.asarray(scene.colour_mean)).max() < 0.05, (device, seed, got, scene.colour_mean)
        means.append(got)
    assert np.abs(np.mean(means, 0) - DEVICE_COLOURS[device]["mean"]).max() < 0.12


def test_v2_styles_need_a_palette():
    from fundus_utils.data.simulator import STYLES
    with pytest.raises(ValueError, match="palette"):
        sample_scene(0, style=STYLES["canon"], simulator="v2")
    assert sample_scene(0, style=fitted_style("canon"), simulator="v2").style.palette == "REFUGE"
    with pytest.raises(ValueError, match="simulator"):
        sample_scene(0, simulator="v3")


def _picture(vessels: np.ndarray) -> ps.Picture:
    size = vessels.shape[0]
    yy, xx = np.mgrid[:size, :size]
    fov = (xx - size / 2) ** 2 + (yy - size / 2) ** 2 < (0.48 * size) ** 2
    return ps.Picture(np.zeros((size, size, 3), np.uint8), fov, vessels & fov)


def test_photo_stats_on_drawn_vessels():
    mask = np.zeros((512, 512), np.uint8)
    cv2.line(mask, (100, 256), (400, 256), 1, 7)          # a horizontal straight vessel, 7 px wide
    p = _picture(mask.astype(bool))
    width = mask[:, 200].sum()  # as drawn
    assert np.median(ps.calibres(p)) == pytest.approx(width / p.fov_diameter * 1000, rel=0.15)
    assert np.median(ps.tortuosity(p)) == pytest.approx(1.0, abs=0.05)
    assert np.median(ps.orientations(p)) < 5
    assert ps.branch_points(p) == 0
    cv2.line(mask, (250, 256), (250, 420), 1, 7)          # a T: one branch point, the stem vertical
    p = _picture(mask.astype(bool))
    assert ps.branch_points(p) == 1


@pytest.mark.skipif(not present("DRIVE", DATA) or not present("CHASE_DB1", DATA), reason="real vessel sets absent")
def test_recorded_colours_refit_from_the_real_data():
    from fundus_utils.synthetic.colour_fit import fit_all
    refit = fit_all(DATA, devices=("DRIVE", "CHASE_DB1"))
    for device, stats in refit.items():
        for key, value in stats.items():
            assert np.allclose(np.asarray(value, float), np.asarray(DEVICE_COLOURS[device][key], float),
                               atol=2e-3, equal_nan=True), (device, key)


def test_realism_distances_vanish_against_itself_and_grow_with_a_shift():
    from fundus_utils.synthetic import realism
    pics = list(realism.twin_pictures("v2", 3, 128, 0, grid=128))
    a = realism.measure("a", pics, vessels=True, discs=True)
    same = realism.distances(a, a)
    assert all(abs(v) < 1e-6 for v in same.values()), same
    bright = [ps.Picture(np.clip(p.image.astype(int) + 40, 0, 255).astype(np.uint8), p.fov, p.vessels, p.od) for p in pics]
    shifted = realism.distances(realism.measure("b", bright, vessels=True, discs=True), a)
    assert shifted["colour mean (Frechet x 100)"] > 1 and shifted["vessel fraction"] == 0


def test_two_sample_cnn_gives_one_logit():
    import torch
    from fundus_utils.synthetic.two_sample import small_cnn
    assert small_cnn(4)(torch.zeros(2, 3, 64, 64)).shape == (2, 1)

"""config: chapter settings written once (FULL + profile differences), dotted overrides, unknown keys refused."""
from __future__ import annotations

import pytest

from fundus_utils import config


def test_every_chapter_with_a_package_has_settings_for_every_profile() -> None:
    assert {"datasets", "mtl_glaucoma", "refuge_ensemble", "synthetic"} <= set(config.chapters())
    for chapter in config.chapters():
        for profile in config.PROFILES:
            cfg = config.load(chapter, profile, device="cpu")
            assert cfg.chapter == chapter and cfg.results_dir.name == chapter


def test_profiles_are_full_plus_their_differences() -> None:
    full, smoke = config.load("refuge_ensemble", "full", device="cpu"), config.load("refuge_ensemble", "smoke")
    assert full.seg.opt == "radam" and smoke.seg.opt == "adam"
    assert smoke.seg.lr_step == full.seg.lr_step == 30          # not restated in SMOKE: inherited
    assert smoke.cls.locator.max_images == 96 and full.cls.locator.max_images is None


def test_dotted_and_grouped_overrides_change_one_leaf() -> None:
    cfg = config.load("refuge_ensemble", "smoke", **{"seg.epochs": 3, "seg.locator.epochs": 1}, cls={"bs": 4})
    base = config.load("refuge_ensemble", "smoke")
    assert (cfg.seg.epochs, cfg.seg.locator.epochs, cfg.cls.bs) == (3, 1, 4)
    assert cfg.seg.locator.size == base.seg.locator.size and cfg.cls.epochs == base.cls.epochs  # the rest stays
    assert config.load("mtl_glaucoma", "smoke", **{"twin.n": 64}).twin["n"] == 64


@pytest.mark.parametrize("bad", [{"seg.epoch": 3}, {"epoch": 3}, {"dataset.x": 1}, {"seg": {"epoch": 3}}])
def test_unknown_settings_are_refused_with_the_known_ones(bad: dict) -> None:
    with pytest.raises(ValueError, match="known"):
        config.load("refuge_ensemble", "smoke", **bad)


def test_unknown_chapter_and_profile() -> None:
    with pytest.raises(ValueError, match="unknown chapter"):
        config.load("no_such_chapter")
    with pytest.raises(ValueError, match="unknown profile"):
        config.load("mtl_glaucoma", "medium")


def test_settings_read_as_attributes_and_stay_plain_dicts() -> None:
    import copy
    import json

    cfg = config.load("mtl_glaucoma", "smoke")
    assert cfg.checkpoint.eval_interval == cfg.checkpoint["eval_interval"] == 2
    assert json.loads(json.dumps(cfg.settings))["checkpoint"]["eval_interval"] == 2
    assert copy.deepcopy(cfg.settings) == cfg.settings
    with pytest.raises(AttributeError, match="known"):
        cfg.checkpoint.every

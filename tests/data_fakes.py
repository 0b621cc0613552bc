"""Tiny fake dataset trees in the official layouts, for importer and verify tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image


def img(path: Path, size: tuple[int, int] = (32, 24), seed: int = 0) -> Path:
    """A small random RGB image (``size`` = W, H) at ``path``, format from the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def mask(path: Path, values: np.ndarray, mode: str = "L") -> Path:
    """A mask file from an array of grey values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values.astype(np.uint8)).convert(mode).save(path)
    return path


def refuge_values(w: int = 32, h: int = 24) -> np.ndarray:
    """A disc (128) with a cup (0) on background (255)."""
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(xx - w / 2, yy - h / 2)
    return np.where(r < 4, 0, np.where(r < 8, 128, 255))


def refuge_official(root: Path, n_g: int = 2, n_n: int = 3, n_val: int = 2) -> Path:
    """Official REFUGE layout (nested zip folders, .bmp masks, xlsx labels/fovea), at 2124x2056/32 scale."""
    for i in range(1, n_g + 1):
        img(root / "Training400/Glaucoma" / f"g{i:04d}.jpg", (2124 // 4, 2056 // 4))
        mask(root / "Annotation-Training400/Annotation-Training400/Disc_Cup_Masks/Glaucoma" / f"g{i:04d}.bmp",
             refuge_values(2124 // 4, 2056 // 4))
    for i in range(1, n_n + 1):
        img(root / "Training400/Non-Glaucoma" / f"n{i:04d}.jpg", (2124 // 4, 2056 // 4))
        mask(root / "Annotation-Training400/Annotation-Training400/Disc_Cup_Masks/Non-Glaucoma" / f"n{i:04d}.bmp",
             refuge_values(2124 // 4, 2056 // 4))
    ids = [f"g{i:04d}.jpg" for i in range(1, n_g + 1)] + [f"n{i:04d}.jpg" for i in range(1, n_n + 1)]
    pd.DataFrame({"ID": range(1, len(ids) + 1), "ImgName": ids, "Fovea_X": 1000.0, "Fovea_Y": 800.0}).to_excel(
        root / "Annotation-Training400/Annotation-Training400/Fovea_location.xlsx", index=False)
    for i in range(1, n_val + 1):
        img(root / "REFUGE-Validation400/REFUGE-Validation400" / f"V{i:04d}.jpg", (1634 // 2, 1634 // 2))
        mask(root / "REFUGE-Validation400-GT/Disc_Cup_Masks" / f"V{i:04d}.bmp", refuge_values(817, 817))
    pd.DataFrame({"ImgName": [f"V{i:04d}.jpg" for i in range(1, n_val + 1)], "Fovea_X": 817.0, "Fovea_Y": 900.0,
                  "Glaucoma Label": [1] + [0] * (n_val - 1)}).to_excel(
        root / "REFUGE-Validation400-GT/Fovea_locations.xlsx", index=False)
    return root


def refuge_variant(root: Path, n_val: int = 3, n_test: int = 4, size: int = 32) -> Path:
    """The documented 512 px REFUGE variant layout, at ``size`` px, with Test400/labels.csv."""
    for split, prefix, n in (("Validation400", "V", n_val), ("Test400", "T", n_test)):
        for i in range(1, n + 1):
            img(root / split / "images" / f"{prefix}{i:04d}.jpg", (size, size), seed=i)
            mask(root / split / "masks" / f"{prefix}{i:04d}.png", refuge_values(size, size))
    pd.DataFrame({"image_id": [f"T{i:04d}" for i in range(1, n_test + 1)],
                  "glaucoma": [1] + [0] * (n_test - 1)}).to_csv(root / "Test400" / "labels.csv", index=False)
    return root


def chase_tree(root: Path, children: int = 3) -> Path:
    """A flat CHASE_DB1 folder."""
    for c in range(1, children + 1):
        for eye in "LR":
            img(root / f"Image_{c:02d}{eye}.jpg")
            mask(root / f"Image_{c:02d}{eye}_1stHO.png", np.eye(24, 32) * 255, mode="1")
    return root

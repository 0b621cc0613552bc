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


def _parent(path: Path) -> Path:
    """``path`` after creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
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




# --- one generator per registered dataset, official layouts, 32x24 images -------------------------------------

W, H = 32, 24


def disc_values(r_disc: float = 8, r_cup: float = 4, w: int = W, h: int = H, centre: tuple[float, float] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(disc, cup) 0/255 arrays: two concentric discs (cup radius may exceed the disc's, to spill)."""
    cx, cy = centre or (w / 2, h / 2)
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(xx - cx, yy - cy)
    return np.where(r < r_disc, 255, 0), np.where(r < r_cup, 255, 0)


def chase_tree(root: Path, children: int = 3) -> Path:
    """A flat CHASE_DB1 folder: images, first and second observer (1-bit PNGs)."""
    for c in range(1, children + 1):
        for eye in "LR":
            img(root / f"Image_{c:02d}{eye}.jpg")
            mask(root / f"Image_{c:02d}{eye}_1stHO.png", np.eye(24, 32) * 255, mode="1")
            mask(root / f"Image_{c:02d}{eye}_2ndHO.png", np.fliplr(np.eye(24, 32)) * 255, mode="1")
    return root


def drive_tree(root: Path) -> Path:
    """DRIVE: 2 training (21, 22) and 2 test (01, 02) images; test has a palette-GIF 2nd_manual."""
    for folder, nums in (("training", (21, 22)), ("test", (1, 2))):
        for n in nums:
            img(root / folder / "images" / f"{n:02d}_{folder}.tif", seed=n)
            mask(root / folder / "1st_manual" / f"{n:02d}_manual1.gif", np.eye(H, W) * 255)
            mask(root / folder / "mask" / f"{n:02d}_{folder}_mask.gif", np.full((H, W), 255))
            if folder == "test":
                pal = Image.new("P", (W, H))
                pal.putdata(np.eye(H, W, dtype=np.uint8).ravel().tolist())
                pal.putpalette([3, 3, 3, 253, 253, 253] + [0] * 762)
                (root / folder / "2nd_manual").mkdir(parents=True, exist_ok=True)
                pal.save(root / folder / "2nd_manual" / f"{n:02d}_manual2.gif")
    return root


DRISHTI_SHEET = "Notching___Image__level_decisions.xlsx"


def drishti_tree(root: Path) -> Path:
    """Drishti-GS1: Training 002, 004 (GT/), Test 001, 003 (Test_GT/); the sheet covers 1-4 plus an empty row 5."""
    cdrs = {1: [0.5, 0.6, 0.7, 0.6], 2: [0.76, 0.77, 0.79, 0.75], 3: [0.4, 0.4, 0.5, 0.5], 4: [0.3, 0.3, 0.3, 0.3]}
    for folder, gt, nums in (("Training", "GT", (2, 4)), ("Test", "Test_GT", (1, 3))):
        for n in nums:
            i = f"drishtiGS_{n:03d}"
            img(root / folder / "Images" / f"{i}.png", seed=n)
            case = root / folder / gt / i
            disc, cup = disc_values()
            mask(case / "SoftMap" / f"{i}_ODsegSoftmap.png", disc)
            mask(case / "SoftMap" / f"{i}_cupsegSoftmap.png", cup)
            (case / f"{i}_cdrValues.txt").write_text(" ".join(str(v) for v in cdrs[n]))
            (case / "AvgBoundary").mkdir(parents=True, exist_ok=True)
            (case / "AvgBoundary" / f"{i}_diskCenter.txt").write_text("24 32")
    pd.DataFrame({"IMAGE NUMBER": [1, 2, 3, 4, 5], "TILT(Y/N)": ["N", "Y", "N", "N", None],
                  "Notching direction(I/S/N/T/Absent)": ["I", "I and S", "A", "A", None],
                  "Normal/Glaucomal": ["G", "G", "N", "N", None]}).to_excel(root / "Training" / "GT" / DRISHTI_SHEET,
                                                                             index=False)
    return root


def origa_tree(root: Path) -> Path:
    """ORIGA: 4 images, indexed masks, OrigaList.csv (Set A/B)."""
    vals = np.zeros((H, W)); vals[8:16, 8:20] = 1; vals[10:14, 12:16] = 2
    for i in range(1, 5):
        img(root / "Images" / f"{i:03d}.jpg")
        mask(root / "Masks" / f"{i:03d}.png", vals)
    pd.DataFrame({"Eye": ["OD", "OS", "OD", "OS"], "Filename": [f"{i:03d}.jpg" for i in range(1, 5)],
                  "ExpCDR": [0.5, 0.6, 0.7, 0.4], "Set": ["A", "A", "B", "B"], "Glaucoma": [0, 1, 1, 0]}
                 ).to_csv(root / "OrigaList.csv", index=False)
    return root


R3 = (("N-1-L", "Healthy"), ("N-1-R", "Healthy"), ("G-2-L", "Glaucoma and suspects"),
      ("S-3-R", "Glaucoma and suspects"))


def rimone_r3_tree(root: Path) -> Path:
    """RIM-ONE r3: stereo pairs twice the masks' width; average and two experts' masks (expert 2 without "-1-")."""
    disc = np.pad(np.full((8, 8), 255), ((8, 8), (12, 12)))
    cup = np.pad(np.full((4, 4), 255), ((10, 10), (14, 14)))
    for name, folder in R3:
        img(root / folder / "Stereo Images" / f"{name}.jpg", (64, 24))
        mask(root / folder / "Average_masks" / f"{name}-Disc-Avg.png", disc)
        mask(root / folder / "Average_masks" / f"{name}-Cup-Avg.png", cup)
        mask(root / folder / "Expert1_masks" / f"{name}-1-Disc-exp1.png", disc)
        mask(root / folder / "Expert1_masks" / f"{name}-1-Cup-exp1.png", cup)
        mask(root / folder / "Expert2_masks" / f"{name}-Disc-exp2.png", disc)
        mask(root / folder / "Expert2_masks" / f"{name}-Cup-exp2.png", cup)
    return root


def rimone_dl_tree(root: Path, n_train: int = 3, n_test: int = 2, spill: tuple[str, ...] = ("r2_gtr0",),
                   unmasked: tuple[str, ...] = ("r2_nte1",)) -> Path:
    """RIM-ONE DL: both partitions and the reference segmentations.

    Ids ``r2_<g|n><tr|te><i>``; the cups of ``spill`` reach outside their disc; ``unmasked`` have no masks.
    """
    images = root / "RIM-ONE_DL_images"
    for part in ("partitioned_randomly", "partitioned_by_hospital"):
        for s, n in (("training_set", n_train), ("test_set", n_test)):
            for cls in ("glaucoma", "normal"):
                for i in range(n):
                    image_id = f"r2_{cls[0]}{s[:2]}{i}"
                    img(images / part / s / cls / f"{image_id}.png")
                    if part != "partitioned_randomly" or image_id in unmasked:
                        continue
                    disc, cup = disc_values(8, 10 if image_id in spill else 4)
                    seg = root / "RIM-ONE_DL_reference_segmentations" / cls
                    mask(seg / f"{image_id}-1-Disc-T.png", disc)
                    mask(seg / f"{image_id}-1-Cup-T.png", cup)
                    (seg / f"{image_id}-1-Disc-T.txt").write_text("0 0\n")
    return root


def acrima_tree(root: Path) -> Path:
    """ACRIMA: one normal, two glaucoma crops."""
    for name in ("Im001_ACRIMA", "Im002_g_ACRIMA", "Im003_g_ACRIMA"):
        img(root / "Database" / "Images" / f"{name}.jpg")
    return root


def rfmid_csv(path: Path, n: int, seed: int = 0) -> pd.DataFrame:
    """An RFMiD label CSV (CRLF) with random 0/1 labels for IDs 1..n."""
    from fundus_utils.data.importers.rfmid import CONDITIONS
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(0, 2, (n, 46)), columns=["Disease_Risk", *CONDITIONS])
    df.insert(0, "ID", range(1, n + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\r\n")
    return df


RFMID_SPLITS = (("Training", "a. Training Set", 4), ("Validation", "b. Validation Set", 2),
                ("Testing", "c. Testing Set", 3))


def rfmid_tree(root: Path) -> Path:
    """RFMiD: the IEEE DataPort zip layout, 4/2/3 images."""
    for split, folder, n in RFMID_SPLITS:
        rfmid_csv(root / "2. Groundtruths" / f"{folder[0]}. RFMiD_{split}_Labels.csv", n)
        for i in range(1, n + 1):
            img(root / "1. Original Images" / folder / f"{i}.png")
    return root


def jsiec_tree(root: Path) -> Path:
    """JSIEC: three class folders of two images each."""
    for i, folder in enumerate(("0.0.Normal", "0.3.DR1", "29.1.Blur fundus with suspected PDR")):
        for j in range(2):
            img(root / "1000images" / folder / f"{i}_{j}.jpg")
    return root


def fives_tree(root: Path) -> Path:
    """FIVES: 4 train and 2 test images with RGB-grey vessel maps."""
    for split, names in (("train", ["1_A", "2_D", "3_G", "4_N"]), ("test", ["1_A", "2_G"])):
        for n in names:
            img(root / split / "Original" / f"{n}.png")
            mask(root / split / "Ground truth" / f"{n}.png", np.eye(24, 32) * 255, mode="RGB")
    return root


ICHALLENGE = {"PALM": ("P", "H", "PM", ("Atrophy", "Detachment")),
              "ADAM": ("A", "N", "AMD", ("drusen", "exudate", "hemorrhage", "others", "scar"))}


def ichallenge_tree(root: Path, name: str) -> Path:
    """PALM/ADAM: 3 training images (disc masks, fovea xlsx, lesion masks for the positive one) and one validation."""
    pos, neg, tag, lesions = ICHALLENGE[name]
    for cid in (f"{pos}0001", f"{neg}0001", f"{neg}0002"):
        img(root / "Training400" / f"{cid}.jpg")
        mask(root / "Annotation" / "Disc_Masks" / f"{cid}.bmp",
             np.pad(np.zeros((4, 4)), ((2, 18), (2, 26)), constant_values=255))
    for lesion in lesions:  # the positive image has every lesion; the others none (no file)
        mask(root / "Annotation" / "Lesion_Masks" / lesion / f"{pos}0001.bmp",
             np.pad(np.zeros((2, 3)), ((10, 12), (10, 19)), constant_values=255))
    pd.DataFrame({"imgName": [f"{pos}0001.jpg"], "Fovea_X": [10.5], "Fovea_Y": [7.0]}).to_excel(
        root / "Annotation" / "Fovea_location.xlsx", index=False)
    img(root / "Validation400" / "V0001.jpg")
    pd.DataFrame({"imgName": ["V0001.jpg"], "Label": [1], "Fovea_X": [3.0], "Fovea_Y": [4.0]}).to_csv(
        _parent(root / "Validation-GT" / f"{tag}_Label_and_Fovea_Location.csv"), index=False)
    return root


# name -> builder(root) of a fake tree in the official layout (REFUGE: the official release)
FAKES = {
    "ACRIMA": acrima_tree, "ADAM": lambda r: ichallenge_tree(r, "ADAM"), "CHASE_DB1": chase_tree,
    "DRIVE": drive_tree, "Drishti-GS1": drishti_tree, "FIVES": fives_tree, "JSIEC": jsiec_tree,
    "ORIGA": origa_tree, "PALM": lambda r: ichallenge_tree(r, "PALM"), "REFUGE": refuge_official,
    "RFMiD": rfmid_tree, "RIM-ONE-DL": rimone_dl_tree, "RIM-ONE-r3": rimone_r3_tree,
}

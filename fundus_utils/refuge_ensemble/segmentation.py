"""Joint optic disc / cup segmentation on disc crops: CE-Net against a plain U-Net, with and without ellipses.

Zhao, Liu, Zhang, Lei (Sec. 2 and 4.2): CE-Net (:mod:`fundus_utils.models.cenet`) with a
Dice loss, ellipse fitting to smooth the predicted boundaries
(:mod:`fundus_utils.evaluation.ellipse`), RAdam (fastai's, :func:`fundus_utils.train.schedules.radam`,
as for every model of the chapter), batch 16, 200 epochs, lr 1e-3 x0.1 every
30 epochs.

Our reading where the paper is silent
    * Input: the paper resizes whole images to 512 px "to train classification and fovea
      localization" and cuts disc crops of about twice the disc diameter resized to 512 px;
      segmentation is not listed with the whole-image tasks, and CE-Net's own OD/OC
      experiments use disc-centred crops, so we segment crops. Training crops are centred
      on the *ground-truth* disc (centre of mass of the OD mask, side = 2 x its larger
      extent) with a random shift and scale (``seg.jitter``) so the networks tolerate
      localisation errors; test crops are centred on the disc found by a low-resolution
      U-Net locator trained on the training images only
      (:mod:`fundus_utils.refuge_ensemble.disc_crop`), never on test ground truth, then
      (``seg.refine`` times) re-centred on the segmenter's own first-pass disc and segmented again.
    * Output: two sigmoid channels, OD and OC (multi-label, the cup is not forced inside
      the disc), Dice loss averaged over both; each thresholded at 0.5 and reduced to its
      largest connected component; "with ellipse" replaces each by its fitted ellipse.
    * Scoring: predictions are pasted back into the whole picture at the evaluation size
      and compared with the whole ground-truth masks (a crop that misses part of the disc
      is penalised): Dice per image, vCDR absolute error, mean with 95 % bootstrap CIs.
    * Image-blind baseline (:func:`shape_priors`, the bars of :func:`bars`): the training
      crops' mean disc and cup masks (:func:`fundus_utils.evaluation.shape_prior`, crops
      centred on the ground-truth disc without jitter) placed at the centre of each *test*
      crop - i.e. at the located disc, at the located disc's scale - and pasted back like the
      networks' output, so it is scored in the same frame at the same resolution. A segmenter
      must beat it on OD and OC Dice and on the vCDR error (the prior's vCDR is a constant);
      the glaucoma AUC of the predicted vCDR must beat chance.
    * Weights: ``cfg.seg.pretrained`` loads torchvision's ImageNet ResNet-34 (timm tag
      ``cfg.seg.encoder`` = ``resnet34.tv_in1k`` in ``full``; timm's untagged default would be
      ``a1_in1k``); smoke and tests build untrained encoders and download nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn
from timm.data import IMAGENET_DEFAULT_MEAN as IMAGENET_MEAN, IMAGENET_DEFAULT_STD as IMAGENET_STD

from . import disc_crop
from ..config import Config
from ..data import load_resized
from ..data.arrays import PerImage, channels_first
from ..evaluation import Bar, dice, paired_auc, paired_mean, place_prior, shape_prior, vertical_cdr
from ..evaluation.bars import named
from ..evaluation.ellipse import fit_ellipse
from ..evaluation.postprocess import largest_component
from ..evaluation.stats import bootstrap_ci, ci_text
from ..models import create_model
from ..train.learner import fitting, make_learner, predict_batches
from ..train.loaders import holdout_dls, random_flips
from ..train.losses import dice_loss
from ..train.schedules import fit_with_schedule, optimizer



class DiceLoss(nn.Module):
    """Soft Dice loss over all output channels (the paper's segmentation loss), on logits."""

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return dice_loss(logits, target)

    def activation(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x)

    def decodes(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 0.5).float()


# --------------------------------------------------------------------------- data and crops
@dataclass
class SegData(PerImage):
    """Whole pictures and their OD/OC masks at the evaluation size."""

    image_id: np.ndarray  # (N,) str
    images: np.ndarray    # (N, H, W, 3) uint8
    od: np.ndarray        # (N, H, W) bool
    oc: np.ndarray        # (N, H, W) bool
    glaucoma: np.ndarray | None = None  # (N,) float 0/1, NaN unlabelled; None when the table has no labels
    patient_id: np.ndarray | None = None  # (N,) str; None: every image its own patient (hold-outs draw patients)


def load_seg_data(table: pd.DataFrame, size: int) -> SegData:
    """Images and OD/OC masks of ``table``'s rows at ``size`` px (rows without masks raise, naming them)."""
    if len(table) == 0:
        raise ValueError("load_seg_data: the table has no rows")
    for col in ("od_mask", "oc_mask"):
        if col not in table:
            raise ValueError(f"load_seg_data: table has no {col!r} column (segmentation needs OD/OC masks)")
        bad = table.loc[~table[col].map(lambda p: isinstance(p, str) and bool(p)), "image_id"].tolist()
        if bad:
            raise ValueError(f"load_seg_data: rows without {col}: {bad[:5]}")
    arr = load_resized(table, size, ["image", "od_mask", "oc_mask"])
    glaucoma = (pd.to_numeric(table["glaucoma"], errors="coerce").to_numpy(float) if "glaucoma" in table else None)
    return SegData(table["image_id"].astype(str).to_numpy(), arr["image"], arr["od_mask"], arr["oc_mask"], glaucoma,
                   table["patient_id"].astype(str).to_numpy())


def open_tables(cfg: Config) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The training table and the named test tables of the segmentation experiment.

    smoke: the twin ``cfg.seg.twin`` (``cfg.seg.train_splits`` / ``cfg.seg.test_splits``,
    patient-level); real/full: ``cfg.dataset`` (REFUGE) with the same split names, plus every
    masked row of each dataset in ``cfg.seg.extra_tests`` (e.g. Drishti-GS1) as a further test set.
    """
    from ..data import folds, open_dataset

    name = cfg.dataset  # a twin's parameters (smoke) go to its generator; a real dataset has none
    table = open_dataset(name, cfg.data_root, **(cfg.seg.twin or {}))
    if not cfg.seg.twin:  # any registered dataset: a drawn patient-level test split where the release has none
        table = folds.ensure(table)
    if "od_mask" not in table:
        raise ValueError(f"segmentation: dataset {name!r} has no OD/OC masks")
    masked = table["od_mask"].map(lambda p: isinstance(p, str) and bool(p))
    train_splits = list(cfg.seg.train_splits)
    if not (masked & table["split"].isin(train_splits)).any():
        train_splits = sorted(set(table["split"]) - set(cfg.seg.test_splits))
        print(f"segmentation: {name} has no masked images in the splits {list(cfg.seg.train_splits)}; "
              f"training on its splits {train_splits}")
    train = table[masked & table["split"].isin(train_splits)]
    tests = {name: table[masked & table["split"].isin(cfg.seg.test_splits)]}
    for extra in cfg.seg.extra_tests:
        t = open_dataset(extra, cfg.data_root)
        tests[extra] = t[t["od_mask"].map(lambda p: isinstance(p, str) and bool(p))]
    for what, t in [("training", train), *tests.items()]:
        if len(t) == 0:
            raise ValueError(f"segmentation: no images with OD/OC masks for {what} "
                             f"(splits {cfg.seg.train_splits} / {cfg.seg.test_splits})")
    return train, tests


def truth_boxes(od: np.ndarray, factor: float = 2.0, jitter: float = 0.0, seed: int = 0) -> np.ndarray:
    """Crop boxes ``(x0, y0, side)`` around ground-truth discs, randomly shifted/scaled by up to ``jitter``.

    Shift: uniform in +-``jitter`` disc diameters per axis; side: x uniform(1 - jitter, 1 + jitter).
    """
    boxes = disc_crop.disc_boxes(od.astype(np.float32), od.shape[1:], factor=factor, fallback=None).boxes.copy()
    if jitter > 0:
        rng = np.random.default_rng(seed)
        side = boxes[:, 2]
        centre = boxes[:, :2] + side[:, None] / 2 + rng.uniform(-jitter, jitter, (len(boxes), 2)) * side[:, None] / factor
        side = side * rng.uniform(1 - jitter, 1 + jitter, len(boxes))
        boxes = np.column_stack([centre - side[:, None] / 2, side])
    return boxes


def crop_masks(masks: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Bool ``(N, size, size)``: each mask cut to its box (bilinear, thresholded at 0.5)."""
    out = np.zeros((len(masks), size, size), bool)
    for i, (m, (x0, y0, side)) in enumerate(zip(masks, boxes)):
        k = size / side
        a = np.array([[k, 0, -x0 * k], [0, k, -y0 * k]], np.float32)
        out[i] = cv2.warpAffine(m.astype(np.float32), a, (size, size), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0) >= 0.5
    return out


def paste(probs: np.ndarray, boxes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Crop-grid maps ``(N, s, s)`` mapped back into pictures of ``shape`` (zeros outside the box)."""
    h, w = shape
    s = probs.shape[-1]
    out = np.zeros((len(probs), h, w), np.float32)
    for i, (p, (x0, y0, side)) in enumerate(zip(probs, boxes)):
        k = s / side
        m = np.array([[k, 0, -x0 * k], [0, k, -y0 * k]], np.float32)
        out[i] = cv2.warpAffine(p.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def crop_inputs(images: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """uint8 ``(N, 3, size, size)`` network inputs cut from ``(N, H, W, 3)`` pictures."""
    return channels_first(disc_crop.crop_discs(images, boxes, size))


# --------------------------------------------------------------------------- disc locator
def framing(cfg: Config) -> str:
    """``fundus`` (whole pictures: a locator finds the disc, crops of ``crop_factor`` x its
    diameter) or ``disc`` (disc-centred crops such as RIM-ONE DL or Drishti-GS1: the picture
    is the crop, no locator): ``cfg.seg.framing``, or the training dataset manifest's when None."""
    from ..data.registry import framing as manifest_framing

    return cfg.seg.framing or manifest_framing(cfg.dataset)


def whole_boxes(images: np.ndarray) -> np.ndarray:
    """One box per picture covering all of it (the crop of a disc-centred picture)."""
    h, w = images.shape[1:3]
    return np.tile(np.array([0.0, 0.0, float(max(h, w))]), (len(images), 1))


def training_boxes(train: SegData, cfg: Config, jitter: float | None = None) -> np.ndarray:
    """Training crops: around the ground-truth disc (``fundus``, jittered) or the whole picture (``disc``)."""
    if framing(cfg) == "disc":
        return whole_boxes(train.images)
    return truth_boxes(train.od, cfg.seg.crop_factor, cfg.seg.jitter if jitter is None else jitter, seed=cfg.seed)


def fit_locator(train: SegData, cfg: Config, progress: bool | None = None, seed: int = 0):
    """:func:`.disc_crop.fit_locator` on whole training pictures and their OD masks (``cfg.seg.locator``)."""
    return disc_crop.fit_locator(train.images, train.od, cfg, cfg.seg.locator, progress=progress,
                                 patients=train.patient_id, seed=seed)


def locate_boxes(locator, data: SegData, cfg: Config) -> disc_crop.DiscBoxes:
    """Test crop boxes from the locator's predicted discs (centre fallback counted, see ``disc_crop``)."""
    probs = disc_crop.locate(locator, data.images, cfg, cfg.seg.locator)
    return disc_crop.disc_boxes(probs, data.images.shape[1:3], factor=cfg.seg.crop_factor, fallback="centre",
                                ids=list(data.image_id))


# --------------------------------------------------------------------------- segmenters
def build_segmenter(name: str, cfg: Config) -> nn.Module:
    """``"cenet"`` (CE-Net, ``cfg.seg.cenet_width``) or ``"unet"`` (``cfg.seg.unet_width``/``depth``), 2 outputs."""
    if name == "cenet":
        return create_model("cenet", in_channels=3, out_channels=2, width=cfg.seg.cenet_width,
                            pretrained=cfg.seg.pretrained, encoder=cfg.seg.encoder)
    if name == "unet":
        return create_model("unet", in_channels=3, out_channels=2, width=cfg.seg.unet_width,
                            depth=cfg.seg.unet_depth)
    raise ValueError(f"unknown segmenter {name!r}; choose cenet or unet")


def fit_segmenter_on_crops(name: str, x: np.ndarray, y: np.ndarray, cfg: Config, valid_fraction: float = 0.1,
                           progress: bool | None = None, patients: Sequence | None = None, seed: int = 0):
    """Train segmenter ``name`` on crops ``x`` (uint8 ``N x 3 x s x s``) and masks ``y`` (``N x 2 x s x s``);
    ``valid_fraction`` of the crops, whole ``patients`` drawn by ``seed``, monitors training."""
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} crops but y has {len(y)}")
    dls = holdout_dls(x, y.astype(np.uint8), patients, valid_fraction, seed, bs=cfg.seg.bs, device=cfg.device,
                      augment=random_flips, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    learn = make_learner(dls, build_segmenter(name, cfg), DiceLoss(), cfg=cfg, lr=cfg.seg.lr,
                         opt=optimizer(cfg.seg.opt), progress=progress)
    fit_with_schedule(learn, cfg.seg.epochs, cfg.seg.lr, cfg.seg.schedule, cfg.seg.lr_step, cfg.seg.lr_gamma)
    return learn


def predict_crops(learn, x: np.ndarray, cfg: Config, bs: int = 16) -> np.ndarray:
    """OD/OC probabilities ``(N, 2, s, s)`` on crops."""
    return predict_batches(learn.model, x, bs=bs, device=cfg.device, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                           amp=cfg.amp, channels_last=cfg.channels_last)


def postprocess(probs: np.ndarray, ellipse: bool, threshold: float = 0.5) -> np.ndarray:
    """Bool masks ``(N, H, W)``: threshold, largest component, optionally the fitted ellipse."""
    return np.stack([fit_ellipse(p > threshold) if ellipse else largest_component(p > threshold) for p in probs])


def score(od: np.ndarray, oc: np.ndarray, truth: SegData) -> pd.DataFrame:
    """Per-image OD Dice, OC Dice, predicted and reference vCDR and its absolute error."""
    rows = []
    for i in range(len(truth)):
        v_pred, v_true = vertical_cdr(od[i], oc[i]), vertical_cdr(truth.od[i], truth.oc[i])
        rows.append({"image_id": truth.image_id[i], "dice_od": dice(od[i], truth.od[i]),
                     "dice_oc": dice(oc[i], truth.oc[i]), "vcdr": v_pred, "vcdr_ref": v_true,
                     "vcdr_abs_err": abs(v_pred - v_true) if np.isfinite(v_pred) else 1.0})
    return pd.DataFrame(rows)


def summarise(per_image: dict[tuple[str, str], pd.DataFrame], digits: int = 3, seed: int = 0) -> pd.DataFrame:
    """Table ``(model, post-processing)`` x metrics: mean [95 % bootstrap CI] and the plain means."""
    out = []
    for (model, post), df in per_image.items():
        rec = {"model": model, "post-processing": post, "n": len(df)}
        for col, label in (("dice_od", "OD Dice"), ("dice_oc", "OC Dice"), ("vcdr_abs_err", "vCDR MAE")):
            m, lo, hi = bootstrap_ci(df[col].to_numpy(), seed=seed)
            rec[label] = ci_text(m, lo, hi, digits)
            rec[f"mean_{col}"] = m
        out.append(rec)
    return pd.DataFrame(out).set_index(["model", "post-processing"])


def block_parameters(model: nn.Module) -> pd.DataFrame:
    """Parameter counts per block (the model summary shown instead of the architecture figure)."""
    if hasattr(model, "block_parameters"):
        blocks = model.block_parameters()
    else:  # plain U-Net: contracting path, bottleneck-free decoder, head
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        blocks = {"encoder": count(model.stem) + count(model.downs), "decoder": count(model.ups) + count(model.head)}
    total = sum(blocks.values())
    df = pd.DataFrame({"parameters": blocks})
    df["share"] = (df["parameters"] / total).round(3)
    df.loc["total"] = [total, 1.0]
    df["parameters"] = df["parameters"].astype(int)
    return df


@dataclass
class SegResult:
    """Scores on one test set: per-image tables and pasted masks per (model, post-processing), crop boxes."""

    per_image: dict[tuple[str, str], pd.DataFrame]
    masks: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    boxes: np.ndarray
    n_fallback: int


def train_all(train: SegData, cfg: Config, models=("cenet", "unet"),
              progress: bool | None = None) -> tuple[dict[str, object], dict[str, float]]:
    """Train the disc locator and each segmenter on ``train``; returns learners and training seconds.

    Every model's randomness (initial weights, batch order, flips, crop jitter) derives from
    ``cfg.seed``: model ``k`` of the list (locator first) starts from ``seed_everything(cfg.seed + k)``.
    """
    import time

    from ..seed import seed_everything

    s = cfg.seg.crop_size
    boxes = training_boxes(train, cfg)
    x = crop_inputs(train.images, boxes, s)
    y = np.stack([crop_masks(train.od, boxes, s), crop_masks(train.oc, boxes, s)], axis=1)
    learners, timings = {}, {}
    for k, name in enumerate(("locator", *models) if framing(cfg) == "fundus" else models):
        t = time.perf_counter()
        seed_everything(cfg.seed + k)
        with fitting(name):
            learners[name] = (fit_locator(train, cfg, progress=progress, seed=cfg.seed + k) if name == "locator"
                              else fit_segmenter_on_crops(name, x, y, cfg, progress=progress,
                                                          patients=train.patient_id, seed=cfg.seed + k))
        timings[name] = time.perf_counter() - t
    return learners, timings


def refine_boxes(od_probs: np.ndarray, boxes: np.ndarray, factor: float = 2.0) -> np.ndarray:
    """Boxes re-centred and re-sized on predicted discs (whole-picture probabilities); kept where none is predicted."""
    new = boxes.copy()
    found = np.array([largest_component(p > 0.5).any() for p in od_probs])
    if found.any():
        new[found] = disc_crop.disc_boxes(od_probs[found], od_probs.shape[1:], factor=factor, fallback=None).boxes
    return new


def shape_priors(train: SegData, cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """The image-blind baseline in the crop frame: mean OD and OC masks (``seg.crop_size`` px) of the training crops.

    Crops are cut like the networks' training crops (2 x the ground-truth disc, ``cfg.seg.crop_factor``)
    but without jitter; :func:`fundus_utils.evaluation.shape_prior` centres and averages them.
    """
    boxes = training_boxes(train, cfg, jitter=0.0)
    s = cfg.seg.crop_size
    return shape_prior(crop_masks(train.od, boxes, s)), shape_prior(crop_masks(train.oc, boxes, s))


def place_priors(priors: tuple[np.ndarray, np.ndarray], boxes: np.ndarray, shape: tuple[int, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Whole-picture OD and OC masks ``(N, H, W)``: the crop-frame priors at the centre of each test crop box."""
    out = []
    for prior in priors:
        placed = place_prior(prior, len(boxes)).astype(np.float32)  # crops are centred on the located disc
        out.append(paste(placed, boxes, shape) >= 0.5)
    return out[0], out[1]


PRIOR = "shape prior"


def evaluate(learners: dict[str, object], test: SegData, cfg: Config,
             priors: tuple[np.ndarray, np.ndarray] | None = None) -> SegResult:
    """Locate discs, segment the crops with every trained model, paste back, score with and without ellipses.

    With ``priors`` (:func:`shape_priors`), the baseline is scored too, as model :data:`PRIOR`
    (post-processing ``"none"``), placed on the same located boxes the networks' crops start from.
    """
    located = (locate_boxes(learners["locator"], test, cfg) if "locator" in learners
               else disc_crop.DiscBoxes(whole_boxes(test.images), np.zeros(len(test), bool),
                                        np.full(len(test), np.nan), list(test.image_id)))  # disc-centred: the picture is the crop
    x = crop_inputs(test.images, located.boxes, cfg.seg.crop_size)
    per_image, masks = {}, {}
    for name, learn in learners.items():
        if name == "locator":
            continue
        boxes = located.boxes
        probs = predict_crops(learn, x, cfg)
        for _ in range(cfg.seg.refine):  # re-centre each crop on the model's own disc, then segment again
            od_p = paste(probs[:, 0], boxes, test.od.shape[1:])
            boxes = refine_boxes(od_p, boxes, cfg.seg.crop_factor)
            probs = predict_crops(learn, crop_inputs(test.images, boxes, cfg.seg.crop_size), cfg)
        od_p = paste(probs[:, 0], boxes, test.od.shape[1:])
        oc_p = paste(probs[:, 1], boxes, test.od.shape[1:])
        for post, ell in (("none", False), ("ellipse", True)):
            od, oc = postprocess(od_p, ell), postprocess(oc_p, ell)
            per_image[(name, post)] = score(od, oc, test)
            masks[(name, post)] = (od, oc)
    if priors is not None:
        od, oc = place_priors(priors, located.boxes, test.od.shape[1:])
        per_image[(PRIOR, "none")] = score(od, oc, test)
        masks[(PRIOR, "none")] = (od, oc)
    return SegResult(per_image, masks, located.boxes, located.n_fallback)


MODEL_NAMES = {"cenet": "CE-Net", "unet": "U-Net"}


def od_bars(result: SegResult, models: tuple[str, ...] | list[str], label: str = "", post: str = "ellipse"
            ) -> list[Bar]:
    """OD Dice of each of ``models`` against the shape prior (the OD part of :func:`bars`, e.g. for a table of
    comparisons that are reported but not asserted)."""
    prior = result.per_image[(PRIOR, "none")]
    tag = f" ({label})" if label else ""
    return [paired_mean(f"OD Dice, {MODEL_NAMES.get(m, m)} vs shape prior{tag}", result.per_image[(m, post)]["dice_od"],
                        prior["dice_od"]) for m in models]


def bars(result: SegResult, test: SegData, label: str = "", post: str = "ellipse",
         models: tuple[str, ...] = ("cenet", "unet")) -> list[Bar]:
    """Bars on one test set: each model's OD Dice, OC Dice (higher) and vCDR error (lower) against the shape prior
    on the same images, and the glaucoma AUC of its vCDR against chance (where ``test`` has both classes).

    ``post`` chooses the post-processing scored (the paper's pipeline fits ellipses). Needs
    :func:`evaluate` run with ``priors``. :func:`asserted` says which of them a profile asserts.
    """
    if (PRIOR, "none") not in result.per_image:
        raise ValueError("segmentation.bars: evaluate() was run without priors; pass priors=shape_priors(train, cfg)")
    prior = result.per_image[(PRIOR, "none")]
    tag = f" ({label})" if label else ""
    out = []
    y = test.glaucoma
    labelled = None if y is None else np.isfinite(y)
    for m in models:
        df = result.per_image[(m, post)]
        name = MODEL_NAMES.get(m, m)
        out += od_bars(result, [m], label, post)
        out += [paired_mean(f"OC Dice, {name} vs shape prior{tag}", df["dice_oc"], prior["dice_oc"]),
                paired_mean(f"vCDR abs. error, {name} vs shape prior{tag}", df["vcdr_abs_err"],
                            prior["vcdr_abs_err"], higher_is_better=False)]
        if labelled is not None and len(np.unique(y[labelled])) == 2:
            vcdr = df["vcdr"].to_numpy(float)[labelled]
            vcdr = np.where(np.isfinite(vcdr), vcdr, 0.0)  # no disc found: vCDR 0, the least glaucomatous score
            out.append(paired_auc(f"glaucoma AUC of the vCDR, {name} vs chance{tag}", y[labelled], vcdr))
    return out


def asserted(bars_: Sequence[Bar], prefixes: Sequence[str] | None) -> list[bool]:
    """Which of :func:`bars` are asserted (``cfg.seg.asserted_bars``): all when ``prefixes`` is None, else
    those whose name starts with one of ``prefixes`` (e.g. ``"OC Dice, U-Net"``); the rest are reported."""
    return [True] * len(bars_) if prefixes is None else named(bars_, prefixes, "seg.asserted_bars")


__all__ = ["DiceLoss", "MODEL_NAMES", "PRIOR", "SegData", "SegResult", "asserted", "bars", "od_bars", "block_parameters", "build_segmenter", "crop_inputs", "crop_masks",
           "fit_locator", "fit_segmenter_on_crops", "load_seg_data", "locate_boxes",
           "evaluate", "examples_figure", "open_tables", "place_priors", "refine_boxes", "paste", "postprocess",
           "predict_crops", "score", "shape_priors",
           "summarise", "train_all", "truth_boxes"]


def examples_figure(test: SegData, result: SegResult, n: int = 4, post: str = "none", seed: int = 0):
    """Qualitative figure: per example, the disc region, the ground truth, CE-Net and U-Net contours (OD solid, OC dashed).

    Examples are picked at random (``seed``), never by score; the view is the test crop box. Ground truth
    is drawn in :data:`~fundus_utils.report.style.TRUTH_COLOUR` (white), predictions in the first of
    :data:`~fundus_utils.report.style.PREDICTION_COLOURS` (sky blue).
    """
    import matplotlib.pyplot as plt

    from ..report.style import PREDICTION_COLOURS, TICK_SIZE, TRUTH_COLOUR

    models = [m for m in ("cenet", "unet") if (m, post) in result.masks]
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(test), size=min(n, len(test)), replace=False))
    cols = ["image", "ground truth", *[{"cenet": "CE-Net", "unet": "U-Net"}[m] for m in models]]
    fig, axes = plt.subplots(len(idx), len(cols), figsize=(2.2 * len(cols), 2.2 * len(idx)), squeeze=False)
    h, w = test.od.shape[1:]
    for r, i in enumerate(idx):
        x0, y0, side = result.boxes[i]
        pairs = [None, (test.od[i], test.oc[i]), *[tuple(mm[i] for mm in result.masks[(m, post)]) for m in models]]
        for c, pair in enumerate(pairs):
            ax = axes[r, c]
            ax.imshow(test.images[i])
            if pair is not None:
                colour = TRUTH_COLOUR if c == 1 else PREDICTION_COLOURS[0]
                for mask, style in zip(pair, ("solid", "dashed")):
                    if mask.any():
                        ax.contour(mask.astype(float), levels=[0.5], colors=colour, linestyles=style, linewidths=1)
            ax.set_xlim(max(0, x0), min(w, x0 + side))
            ax.set_ylim(min(h, y0 + side), max(0, y0))
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(cols[c])
        d = result.per_image[(models[0], post)].iloc[i]
        axes[r, 0].set_ylabel(f"{test.image_id[i]}\nvCDR {d['vcdr_ref']:.2f}", fontsize=TICK_SIZE)
    fig.tight_layout()
    return fig

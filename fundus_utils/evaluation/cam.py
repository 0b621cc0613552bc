""" Class-activation maps and their faithfulness scores, through pytorch-grad-cam

What is here:

* ``cam_maps``: one map per image, ``(N, H, W)`` in [0, 1], from any of the CAM methods named in
  ``CAM_METHODS`` (Grad-CAM, Grad-CAM++, HiResCAM, Score-CAM, XGrad-CAM, Eigen-CAM, LayerCAM), for
  a class index per image (multi-class or multi-label heads), or for the logit of a binary
  single-logit head (``binary=True``).
* ``cam_maps_per_class`` / ``multilabel_cam``: multi-label heads: one map per requested class,
  and the sum of the maps of the classes predicted for each image, rescaled to [0, 1].
* ``guided_gradcam``: Guided Grad-CAM, guided backpropagation times the Grad-CAM map.
* ``vit_reshape_transform``: turns ViT token outputs into a channels-first grid, so that the
  CAM methods can treat a transformer block as a convolutional layer.
* Faithfulness against a binary mask of where the evidence truly is (a lesion, the optic disc):
  ``energy_inside`` (energy-based pointing game), ``pointing_game``, ``cam_dice``; and, without a
  mask, ``road_scores``: the ROAD perturbation metric (remove the most / least relevant pixels
  by noisy linear imputation and watch the class score).

Ours versus the library's: every CAM method, guided backpropagation, the map upsampling and
per-image min-max scaling, the ViT token layout and the ROAD imputer and averaging are
pytorch-grad-cam's (Jacob Gildenblat and contributors, https://github.com/jacobgil/pytorch-grad-cam,
pinned at grad-cam==1.5.7), called through its public classes and its ``with CAM(...) as cam:``
context manager. Ours: the method table, the resolution of targets (class indices, binary
logits), chunking, keeping the caller's model untouched (train/eval mode restored; guided
backpropagation runs on a copy, since the library swaps the model's ReLU modules in place),
turning the library's silently swallowed ``IndexError`` into an error, the multi-label sum,
the channel reduction of Guided Grad-CAM, the mask scores, and seeding ROAD's imputation noise.

pytorch_grad_cam (and with it torch, OpenCV and scikit-learn) is imported inside the functions
that need it, so ``import fundus_utils.evaluation`` stays as fast as it was.

Papers:
    Grad-CAM, Guided Grad-CAM: Selvaraju et al., `Grad-CAM: Visual Explanations from Deep
        Networks via Gradient-based Localization` - ICCV 2017, https://arxiv.org/abs/1610.02391
    Grad-CAM++: Chattopadhay et al., `Grad-CAM++: Generalized Gradient-based Visual Explanations
        for Deep Convolutional Networks` - WACV 2018, https://arxiv.org/abs/1710.11063
    HiResCAM: Draelos & Carin, `Use HiResCAM instead of Grad-CAM for faithful explanations of
        convolutional neural networks` - 2020, https://arxiv.org/abs/2011.08891
    Score-CAM: Wang et al., `Score-CAM: Score-Weighted Visual Explanations for Convolutional
        Neural Networks` - CVPR Workshops 2020, https://arxiv.org/abs/1910.01279
        (also the energy-based pointing game of ``energy_inside``)
    XGrad-CAM: Fu et al., `Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation
        of CNNs` - BMVC 2020, https://arxiv.org/abs/2008.02312
    Eigen-CAM: Muhammad & Yeasin, `Eigen-CAM: Class Activation Map using Principal Components`
        - IJCNN 2020, https://arxiv.org/abs/2008.00299
    LayerCAM: Jiang et al., `LayerCAM: Exploring Hierarchical Class Activation Maps for
        Localization` - IEEE TIP 30, 2021, https://doi.org/10.1109/TIP.2021.3089943
    Guided backpropagation: Springenberg et al., `Striving for Simplicity: The All Convolutional
        Net` - ICLR workshop 2015, https://arxiv.org/abs/1412.6806
    Pointing game: Zhang et al., `Top-down Neural Attention by Excitation Backprop` - ECCV 2016,
        https://arxiv.org/abs/1608.00507
    ROAD: Rong et al., `A Consistent and Efficient Evaluation Strategy for Attribution Methods`
        - ICML 2022, https://arxiv.org/abs/2202.00449
"""
from __future__ import annotations

import contextlib
import copy
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, Union

import numpy as np

if TYPE_CHECKING:  # only for the annotations: torch is imported when a function runs
    import torch

__all__ = ["CAM_METHODS", "ROAD_METRICS", "cam_maps", "cam_maps_per_class", "multilabel_cam", "guided_backprop", "guided_gradcam",
           "vit_reshape_transform", "energy_inside", "pointing_game", "cam_dice", "road_scores"]

#: Our method names -> pytorch_grad_cam class names (all take ``model, target_layers, reshape_transform``).
CAM_METHODS: dict[str, str] = {
    "gradcam": "GradCAM",             # Selvaraju et al. 2017: channel weights = spatial mean of the gradient
    "gradcam++": "GradCAMPlusPlus",   # Chattopadhay et al. 2018: higher-order positive-gradient weights
    "hirescam": "HiResCAM",           # Draelos & Carin 2020: gradient x activation, element-wise
    "scorecam": "ScoreCAM",           # Wang et al. 2020: weights = class score of the input masked by each channel
    "xgradcam": "XGradCAM",           # Fu et al. 2020: activation-normalised gradient weights
    "eigencam": "EigenCAM",           # Muhammad & Yeasin 2020: first principal component (class-agnostic)
    "layercam": "LayerCAM",           # Jiang et al. 2021: positive gradient x activation, element-wise
}

#: ROAD variants -> pytorch_grad_cam.metrics.road class names.
ROAD_METRICS: dict[str, str] = {
    "combined": "ROADCombined",                  # (LeRF - MoRF) / 2: higher = more faithful
    "morf": "ROADMostRelevantFirstAverage",      # score change after removing the most relevant pixels: lower = better
    "lerf": "ROADLeastRelevantFirstAverage",     # score change on removing the least relevant pixels: higher = better
}

Targets = Union[None, int, Sequence[int], Sequence[Callable[["torch.Tensor"], "torch.Tensor"]]]


# ----------------------------------------------------------------------------------------------- helpers
def _as_batch(images: "torch.Tensor | np.ndarray") -> "torch.Tensor":
    """Images as a float tensor (N, C, H, W)."""
    import torch

    x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if x.ndim != 4:
        raise ValueError(f"images must be a batch (N, C, H, W), got shape {tuple(x.shape)}")
    return x.float() if not torch.is_floating_point(x) else x


def _as_layers(target_layers: "torch.nn.Module | Sequence[torch.nn.Module]") -> list:
    """A list of modules (pytorch-grad-cam wants a list; one module is accepted for convenience)."""
    import torch

    return [target_layers] if isinstance(target_layers, torch.nn.Module) else list(target_layers)


def _resolve_targets(targets: Targets, n: int, binary: bool) -> list | None:
    """pytorch-grad-cam target callables, one per image, or None (the library's top class).

    An int or a sequence of ints are class indices: ``ClassifierOutputTarget`` (the class's raw
    score), or with ``binary=True`` ``BinaryClassifierOutputTarget`` (1 = evidence for the positive
    class: the logit; 0 = for the negative class: minus the logit). Callables pass through.
    """
    from pytorch_grad_cam.utils.model_targets import BinaryClassifierOutputTarget, ClassifierOutputTarget

    make = BinaryClassifierOutputTarget if binary else ClassifierOutputTarget
    if targets is None:
        return [make(1) for _ in range(n)] if binary else None
    if isinstance(targets, (int, np.integer)):
        return [make(int(targets)) for _ in range(n)]
    targets = list(targets)
    if len(targets) != n:
        raise ValueError(f"targets: {len(targets)} given for {n} images")
    return [make(int(t)) if isinstance(t, (int, np.integer)) else t for t in targets]


def _class_indices(targets: int | Sequence[int], n: int) -> list[int]:
    """One class index per image from an int or a sequence of ints."""
    if isinstance(targets, (int, np.integer)):
        return [int(targets)] * n
    out = [int(t) for t in targets]
    if len(out) != n:
        raise ValueError(f"targets: {len(out)} given for {n} images")
    return out


def _minmax(maps: np.ndarray) -> np.ndarray:
    """Each map rescaled to [0, 1] by its own min and max (a flat map becomes zeros)."""
    maps = np.asarray(maps, np.float32)
    lo = maps.min(axis=(-2, -1), keepdims=True)
    span = maps.max(axis=(-2, -1), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0).astype(np.float32)


@contextlib.contextmanager
def _kept_mode(model: "torch.nn.Module") -> Iterator[None]:
    """Run with gradients on, and give the model back in the train/eval mode it came in (the library sets eval)."""
    import torch

    training = model.training
    try:
        with torch.enable_grad():
            yield
    finally:
        model.train(training)


def _cam_class(method: str) -> type:
    """The pytorch_grad_cam class that ``CAM_METHODS`` names for ``method``."""
    import pytorch_grad_cam

    try:
        return getattr(pytorch_grad_cam, CAM_METHODS[method])
    except KeyError:
        raise ValueError(f"method must be one of {sorted(CAM_METHODS)}, got {method!r}") from None


# ----------------------------------------------------------------------------------------------- CAMs
def cam_maps(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray",
             target_layers: "torch.nn.Module | Sequence[torch.nn.Module]", method: str = "gradcam",
             targets: Targets = None, reshape_transform: Callable[["torch.Tensor"], "torch.Tensor"] | None = None,
             *, binary: bool = False, batch_size: int | None = None, aug_smooth: bool = False,
             eigen_smooth: bool = False, scorecam_batch_size: int = 16) -> np.ndarray:
    """Class-activation maps of ``images`` for ``targets``, ``(N, H, W)`` float32 in [0, 1].

    Args:
        model: the network; its output is ``(N, K)`` class scores (logits), or ``(N, 1)`` / ``(N,)``
            for a binary single-logit head (then pass ``binary=True``).
        images: ``(N, C, H, W)``, already normalised as the model expects; the maps have its H, W.
        target_layers: the layer(s) whose activations are weighted (usually the last convolutional
            block); with several, pytorch-grad-cam averages their rescaled maps.
        method: a key of ``CAM_METHODS``.
        targets: None (each image's top-scoring class; the positive class when ``binary``), one
            class index for all images, one index per image, or pytorch-grad-cam target callables
            (e.g. ``ClassifierOutputSoftmaxTarget``), one per image.
        reshape_transform: maps a target layer's output to ``(N, C, h, w)``, e.g.
            ``vit_reshape_transform(14, 14)`` for a ViT block.
        binary: class indices mean 1 = the logit (evidence for the positive class), 0 = minus it.
        batch_size: images per forward/backward pass (all at once if None).
        aug_smooth, eigen_smooth: pytorch-grad-cam's test-time-augmentation and first-principal-
            component smoothing.
        scorecam_batch_size: masked copies per forward pass inside Score-CAM.

    Each map is min-max scaled per image by the library (a map with no positive evidence is all
    zeros). Eigen-CAM ignores ``targets``: it is class-agnostic, and the sign of its principal
    component is that of the SVD.
    """
    x = _as_batch(images)
    layers = _as_layers(target_layers)
    cls = _cam_class(method)
    n = x.shape[0]
    tg = _resolve_targets(targets, n, binary)
    step = n if batch_size is None else int(batch_size)
    starts = range(0, n, step)
    chunks: list[np.ndarray] = []
    with _kept_mode(model):
        with cls(model=model, target_layers=layers, reshape_transform=reshape_transform) as cam:
            if method == "scorecam":
                cam.batch_size = scorecam_batch_size
            for s in starts:
                chunks.append(cam(input_tensor=x[s:s + step], targets=None if tg is None else tg[s:s + step],
                                  aug_smooth=aug_smooth, eigen_smooth=eigen_smooth))
    if len(chunks) != len(starts):  # the library's __exit__ prints an IndexError and swallows it
        raise RuntimeError("cam_maps: pytorch-grad-cam stopped on an IndexError (printed above); "
                           "is a target class index beyond the model's outputs?")
    return np.clip(np.concatenate(chunks).astype(np.float32), 0.0, 1.0)


def cam_maps_per_class(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray",
                       target_layers: "torch.nn.Module | Sequence[torch.nn.Module]", classes: Sequence[int],
                       method: str = "gradcam", **kwargs: Any) -> np.ndarray:
    """One map per image and requested class, ``(N, len(classes), H, W)`` in [0, 1] (multi-label heads).

    ``kwargs`` go to ``cam_maps`` (``reshape_transform``, ``batch_size``, ...).
    """
    return np.stack([cam_maps(model, images, target_layers, method, targets=int(c), **kwargs) for c in classes],
                    axis=1)


def multilabel_cam(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray",
                   target_layers: "torch.nn.Module | Sequence[torch.nn.Module]", method: str = "gradcam",
                   threshold: float = 0.5, empty: str = "top", **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the maps of each image's predicted classes, rescaled to [0, 1]; and the predictions.

    A multi-label head predicts class k when ``sigmoid(logit_k) >= threshold``; each image's map is
    the sum of its predicted classes' maps (each already in [0, 1]), min-max rescaled, as papers
    show one heat map for all the findings in an image. ``empty``: what an image with no
    predicted class gets: "top" (the map of its top-scoring class) or "zeros". ``method``: a key
    of ``CAM_METHODS``, or ``"guided_gradcam"`` (:func:`guided_gradcam` per class).
    Returns ``(maps (N, H, W) float32, predicted (N, K) bool)``; ``kwargs`` go to ``cam_maps``
    (or ``guided_gradcam``).
    """
    import torch

    if empty not in ("top", "zeros"):
        raise ValueError(f"empty must be 'top' or 'zeros', got {empty!r}")
    x = _as_batch(images)
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(x.to(next(model.parameters()).device)).float().cpu().numpy()
    finally:
        model.train(training)
    predicted = 1 / (1 + np.exp(-logits)) >= threshold
    chosen = predicted.copy()
    if empty == "top":
        none = ~chosen.any(axis=1)
        chosen[none, logits[none].argmax(axis=1)] = True
    def class_maps(xs: "torch.Tensor", k: int) -> np.ndarray:
        if method == "guided_gradcam":
            return guided_gradcam(model, xs, target_layers, k, **kwargs)
        return cam_maps(model, xs, target_layers, method, targets=k, **kwargs)

    total = np.zeros((x.shape[0],) + tuple(x.shape[-2:]), np.float32)
    for k in np.flatnonzero(chosen.any(axis=0)):
        idx = np.flatnonzero(chosen[:, k])
        total[idx] += class_maps(x[idx], int(k))
    return _minmax(total), predicted


def guided_backprop(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray", targets: int | Sequence[int],
                    batch_size: int = 64) -> np.ndarray:
    """Guided backpropagation (Springenberg et al. 2015), ``(N, H, W, C)``: the input gradient of
    each image's target class score, through pytorch-grad-cam's ``GuidedBackpropReLUasModule``
    swapped in for every ``torch.nn.ReLU`` (what its ``GuidedBackpropReLUModel`` does) - on a
    deep copy of the model, a whole batch per backward pass. The library's model takes one image
    per call; in evaluation mode an image's gradient depends on its own score only, so the
    gradient of the sum of the batch's target scores is every image's own (tested against the
    library's one-image calls)."""
    import torch
    from pytorch_grad_cam.guided_backprop import GuidedBackpropReLUasModule
    from pytorch_grad_cam.utils.find_layers import replace_all_layer_type_recursive

    x = _as_batch(images)
    classes = torch.as_tensor(_class_indices(targets, x.shape[0]))
    twin = copy.deepcopy(model).eval()
    replace_all_layer_type_recursive(twin, torch.nn.ReLU, GuidedBackpropReLUasModule())
    device = next(twin.parameters()).device
    grads = []
    for s in range(0, x.shape[0], batch_size):
        xb = x[s:s + batch_size].detach().clone().to(device).requires_grad_(True)
        out = twin(xb)
        out = out.reshape(len(xb), -1)
        out[torch.arange(len(xb), device=device), classes[s:s + batch_size].to(device)].sum().backward()
        grads.append(xb.grad.detach().permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(grads) if grads else np.zeros((0,) + tuple(x.shape[2:]) + (x.shape[1],), np.float32)


def guided_gradcam(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray",
                   target_layers: "torch.nn.Module | Sequence[torch.nn.Module]", targets: int | Sequence[int],
                   reshape_transform: Callable[["torch.Tensor"], "torch.Tensor"] | None = None) -> np.ndarray:
    """Guided Grad-CAM (Selvaraju et al. 2017), ``(N, H, W)`` float32 in [0, 1].

    :func:`guided_backprop` (pytorch-grad-cam's guided ReLU) times the Grad-CAM map, as in the
    library's own example; reduced over the colour channels by the largest absolute value (the
    saliency-map convention of Simonyan et al. 2014) and min-max rescaled per image.
    ``targets``: one class index, or one per image, into the model's ``(N, K)`` output (0 for a
    single-logit head). Guided backpropagation only changes ``torch.nn.ReLU`` modules (not
    ``F.relu``, SiLU, GELU); it runs on a deep copy of the model, which is left untouched.
    """
    x = _as_batch(images)
    classes = _class_indices(targets, x.shape[0])
    cams = cam_maps(model, x, target_layers, "gradcam", targets=classes, reshape_transform=reshape_transform)
    gbs = guided_backprop(model, x, classes)
    return _minmax(np.abs(gbs * cams[..., None]).max(axis=-1))


def vit_reshape_transform(height: int, width: int,
                          num_prefix_tokens: int = 1) -> Callable[["torch.Tensor"], "torch.Tensor"]:
    """A ``reshape_transform`` for ViT blocks: tokens ``(N, prefix + h*w, D)`` -> ``(N, D, h, w)``.

    Drops the class token (``num_prefix_tokens`` of them: timm's ``model.num_prefix_tokens`` also
    counts distillation and register tokens), lays the patch tokens on the ``height`` x ``width``
    grid row by row and brings the channels first, as pytorch-grad-cam's ``vit_reshape_transform``
    (``pytorch_grad_cam.utils.reshape_transforms``) and its ViT tutorial do. For a 224-px image and
    16-px patches the grid is 14 x 14.
    """
    def transform(tensor: "torch.Tensor") -> "torch.Tensor":
        """(N, prefix + height*width, D) tokens -> (N, D, height, width)."""
        tokens = tensor[:, num_prefix_tokens:, :]
        if tokens.shape[1] != height * width:
            raise ValueError(f"vit_reshape_transform: {tokens.shape[1]} patch tokens do not fill a "
                             f"{height} x {width} grid (num_prefix_tokens={num_prefix_tokens})")
        return tokens.reshape(tensor.size(0), height, width, tensor.size(2)).permute(0, 3, 1, 2)

    return transform


# ----------------------------------------------------------------------------------------------- scores
def _pair(name: str, cam: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maps and masks as (N, H, W) arrays (a mask (H, W) serves every map), and whether one map came in."""
    cam = np.asarray(cam, float)
    mask = np.asarray(mask).astype(bool)
    single = cam.ndim == 2
    if cam.ndim not in (2, 3):
        raise ValueError(f"{name}: cam must be (H, W) or (N, H, W), got shape {cam.shape}")
    cam3 = cam[None] if single else cam
    try:
        mask3 = np.broadcast_to(mask, cam3.shape)
    except ValueError:
        raise ValueError(f"{name}: mask of shape {mask.shape} does not fit maps of shape {cam.shape}") from None
    return cam3, mask3, single


def _out(values: np.ndarray, single: bool) -> Any:
    """A Python scalar for one map, the array (N,) for a batch."""
    return values[0].item() if single else values


def energy_inside(cam: np.ndarray, mask: np.ndarray) -> float | np.ndarray:
    """Fraction of each map's total energy (sum of its values) inside the binary ``mask``.

    The energy-based pointing game of Score-CAM (Wang et al. 2020): 1 when all the map lies in
    the mask; a map spread uniformly scores the mask's area fraction. Maps must be non-negative;
    an all-zero map gives NaN. ``cam`` (H, W) gives a float, (N, H, W) an array (N,).
    """
    cam3, mask3, single = _pair("energy_inside", cam, mask)
    if (cam3 < 0).any():
        raise ValueError("energy_inside: maps must be non-negative")
    total = cam3.sum(axis=(1, 2))
    inside = (cam3 * mask3).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _out(np.where(total > 0, inside / np.where(total > 0, total, 1), np.nan), single)


def pointing_game(cam: np.ndarray, mask: np.ndarray, tolerance: float = 0.0) -> bool | np.ndarray:
    """Whether each map's maximum lies in the binary ``mask`` (Zhang et al. 2016's pointing game).

    The maximum is the first in row-major order when several pixels share it; a flat map (no
    maximum) is a miss. ``tolerance``: a hit also within this many pixels (Euclidean) of the mask,
    as Zhang et al. allow 15 px. ``cam`` (H, W) gives a bool, (N, H, W) an array (N,).
    """
    from scipy.ndimage import distance_transform_edt

    cam3, mask3, single = _pair("pointing_game", cam, mask)
    hits = np.zeros(len(cam3), bool)
    for i, (c, m) in enumerate(zip(cam3, mask3)):
        if c.max() == c.min() or not m.any():
            continue
        r, k = np.unravel_index(np.argmax(c), c.shape)
        hits[i] = m[r, k] if tolerance <= 0 else distance_transform_edt(~m)[r, k] <= tolerance
    return bool(hits[0]) if single else hits


def cam_dice(cam: np.ndarray, mask: np.ndarray, threshold: float = 0.5) -> float | np.ndarray:
    """Dice of the map thresholded at ``cam >= threshold`` with the binary ``mask`` (1.0 when both are empty).

    ``cam`` (H, W) gives a float, (N, H, W) an array (N,).
    """
    from .segmentation import dice

    cam3, mask3, single = _pair("cam_dice", cam, mask)
    return _out(np.array([dice(c >= threshold, m) for c, m in zip(cam3, mask3)]), single)


def road_scores(model: "torch.nn.Module", images: "torch.Tensor | np.ndarray", cams: np.ndarray,
                targets: Targets = None, kind: str = "combined",
                percentiles: Sequence[float] = (10, 20, 30, 40, 50, 60, 70, 80, 90),
                *, binary: bool = False, seed: int | None = 0) -> np.ndarray:
    """ROAD (Rong et al. 2022) faithfulness of ``cams`` (N, H, W) for ``images``: one score per image.

    pytorch-grad-cam's ``pytorch_grad_cam.metrics.road`` classes (see ``ROAD_METRICS``): at each
    percentile p, the pixels whose map value passes the p-th percentile (MoRF: the most relevant
    100 - p %) or falls below the (100 - p)-th (LeRF: the least relevant) are replaced by noisy
    linear imputation from their neighbours, and the change of the target's score is averaged
    over the percentiles. "combined" = (LeRF - MoRF) / 2: larger means the map found what the
    model uses. ``targets`` as in ``cam_maps`` (None: each image's top class, found by a forward
    pass); the score is what the target returns (a logit by default; pass
    ``ClassifierOutputSoftmaxTarget`` callables for probabilities). ``seed`` fixes the imputation
    noise (torch's global RNG is left as it was); None leaves it free.
    """
    import torch
    from pytorch_grad_cam.metrics import road

    try:
        metric = getattr(road, ROAD_METRICS[kind])(percentiles=list(percentiles))
    except KeyError:
        raise ValueError(f"kind must be one of {sorted(ROAD_METRICS)}, got {kind!r}") from None
    x = _as_batch(images).to(next(model.parameters()).device)
    n = x.shape[0]
    cams = np.ascontiguousarray(cams, dtype=np.float32)
    if cams.shape != (n,) + tuple(x.shape[-2:]):
        raise ValueError(f"road_scores: cams of shape {cams.shape} for images of shape {tuple(x.shape)}")
    training = model.training
    model.eval()
    try:
        tg = _resolve_targets(targets, n, binary)
        if tg is None:
            with torch.no_grad():
                tg = _resolve_targets([int(k) for k in model(x).argmax(dim=-1).cpu()], n, binary)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            with warnings.catch_warnings():  # the library's imputer hands torch tensors to np.argwhere
                warnings.filterwarnings("ignore", message=r"__array_wrap__", category=DeprecationWarning)
                scores = metric(input_tensor=x, cams=cams, targets=tg, model=model)
    finally:
        model.train(training)
    return np.asarray(scores, dtype=float).reshape(n)

"""Reading fundus images and annotation masks, with errors that name the file.

``read_image`` returns ``uint8`` RGB ``H x W x 3``; ``read_mask`` returns a boolean
``H x W`` mask for one structure (``kind``) from a file in one of the encodings below.

Mask encodings (the ``mask_encoding`` column of the sample table)
    ``binary``   foreground/background: 8-bit grey 0/255, 1-bit PNG (CHASE_DB1), palette
                 GIF (DRIVE ``2nd_manual``: index 1 = vessel, grey 253 vs 3) or RGB with
                 equal channels. Converted to grey and thresholded at ``>= 128``.
    ``refuge``   one grey file for disc and cup: 0 = cup, 128 = rim, 255 = background.
                 ``od = mask <= 128``, ``oc = mask == 0``; other values raise.
    ``softmap``  fraction of experts x 255 (Drishti-GS1 soft maps); majority ``>= 128``.
    ``indexed``  class indices 0 = background, 1 = disc rim, 2 = cup (ORIGA);
                 ``od = mask >= 1``, ``oc = mask == 2``; other values raise.
    ``inverted`` dark foreground on white (PALM/ADAM disc masks: 0 = disc, 255 =
                 background); foreground ``< 128``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image

from .errors import DataError

PathLike = Union[str, Path]
ENCODINGS = ("binary", "refuge", "softmap", "indexed", "inverted")
KINDS = ("od", "oc", "vessel", "fov", "lesion", "mask")
REFUGE_VALUES = (0, 128, 255)
INDEXED_VALUES = (0, 1, 2)
_COLOUR_MODES = {"RGB", "RGBA", "P", "CMYK", "YCbCr", "RGBX"}
_MASK_MODES = {"1", "L", "P", "LA", "RGB", "RGBA"}

Image.MAX_IMAGE_PIXELS = 200_000_000  # large fundus originals are fine; bombs still raise


def open_image(path: PathLike) -> Image.Image:
    """Open and fully decode ``path`` (so truncation is found here), or raise :class:`DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        img = Image.open(path)
        img.load()  # force the full decode: a truncated file fails here, not later
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise DataError(f"{path}: corrupt or truncated image ({err})") from err
    return img


def image_size(path: PathLike) -> tuple[int, int]:
    """``(width, height)`` of the image at ``path`` from its header (no decode), or :class:`DataError`."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f"{path}: cannot read the image header ({err})") from err


def read_image(path: PathLike) -> np.ndarray:
    """The colour image at ``path`` as ``uint8`` RGB ``H x W x 3``."""
    img = open_image(path)
    if img.mode not in _COLOUR_MODES:
        raise DataError(f"{path}: expected a colour image, got PIL mode {img.mode!r}")
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img, dtype=np.uint8)


def mask_values(path: PathLike) -> np.ndarray:
    """The grey values of a mask file (``uint8`` ``H x W``) after conversion to ``L``."""
    img = open_image(path)
    if img.mode not in _MASK_MODES:
        raise DataError(f"{path}: unsupported mask mode {img.mode!r}; expected one of {sorted(_MASK_MODES)}")
    if img.mode in ("RGB", "RGBA"):
        arr = np.asarray(img.convert("RGB"))
        if not (np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 0], arr[..., 2])):
            raise DataError(f"{path}: colour mask (channels differ); expected a grey mask")
        return np.ascontiguousarray(arr[..., 0])
    return np.asarray(img.convert("L"), dtype=np.uint8)


def _expected_shape(check_size: Union[None, PathLike, Sequence[int]]) -> tuple[int, int] | None:
    if check_size is None:
        return None
    if isinstance(check_size, (str, Path)):
        with Image.open(check_size) as img:  # header only
            w, h = img.size
        return h, w
    h, w = check_size[:2]
    return int(h), int(w)


def read_mask(path: PathLike, encoding: str = "binary", kind: str = "mask",
              check_size: Union[None, PathLike, Sequence[int]] = None) -> np.ndarray:
    """Boolean ``H x W`` mask of structure ``kind`` from the mask file at ``path``.

    ``check_size``: the matching image's path, or its ``(H, W)``; a mask of another size
    raises :class:`DataError` naming both sizes.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown mask encoding {encoding!r}; expected one of {ENCODINGS}")
    if kind not in KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; expected one of {KINDS}")
    values = mask_values(path)
    expected = _expected_shape(check_size)
    if expected is not None and values.shape != expected:
        raise DataError(f"{path}: mask is {values.shape[1]}x{values.shape[0]} (WxH) but its image is "
                        f"{expected[1]}x{expected[0]}")
    if encoding in ("refuge", "indexed"):
        allowed = REFUGE_VALUES if encoding == "refuge" else INDEXED_VALUES
        unexpected = sorted(set(np.unique(values).tolist()) - set(allowed))
        if unexpected:
            raise DataError(f"{path}: {encoding} mask has values {unexpected[:10]}"
                            f"{' ...' if len(unexpected) > 10 else ''} outside {set(allowed)}")
        if kind not in ("od", "oc"):
            raise ValueError(f"{path}: a {encoding} mask holds 'od' and 'oc', not {kind!r}")
        if encoding == "refuge":
            return values <= 128 if kind == "od" else values == 0
        return values >= 1 if kind == "od" else values == 2
    if encoding == "inverted":
        return values < 128
    return values >= 128

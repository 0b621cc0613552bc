"""Reading fundus images and annotation masks, with errors that name the file.

``read_image`` returns ``uint8`` RGB ``H x W x 3``; ``read_mask`` returns a boolean
``H x W`` mask for one structure (``kind``) from a file in one of the encodings below.
Every decode goes through :func:`open_image`, so any unreadable file (missing, empty,
not an image, truncated, corrupt, too large, 16 bits per channel) is a :class:`DataError`
that names the file and says what is wrong; nothing is clipped or coerced silently.

Colour images (:func:`to_rgb`, shared by ``read_image`` and the resized-image cache)
    8-bit ``RGB`` is used as is. Lossless conversions to RGB: ``RGBX`` (padding byte
    dropped), ``RGBA`` whose alpha is 255 everywhere, palette ``P`` without a
    transparency entry. Everything else is an error naming the mode: grey (``1``, ``L``,
    ``LA``), 16-bit (``I;16``, or RGB stored with 16 bits per channel), 32-bit integer
    ``I``, float ``F``, ``CMYK`` and ``YCbCr`` (colour-space conversions are not lossless),
    RGBA or palette images with transparent pixels.

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
Mask files with an alpha channel (``LA``, ``RGBA``) must be opaque everywhere.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import DataError

PathLike = Union[str, Path]
ENCODINGS = ("binary", "refuge", "softmap", "indexed", "inverted")
KINDS = ("od", "oc", "vessel", "fov", "lesion", "mask")
REFUGE_VALUES = (0, 128, 255)
INDEXED_VALUES = (0, 1, 2)
_MASK_MODES = {"1", "L", "P", "LA", "RGB", "RGBA"}
# Modes whose name promises 8 bits per channel; PIL opens 16-bit RGB/grey PNGs and TIFFs
# in some of them and drops the low byte on load, so the raw mode is checked as well.
_EIGHT_BIT_MODES = {"1", "L", "P", "LA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"}

# The largest fundus originals are about 4000 x 4000 (16 M pixels); 100 M pixels leaves
# room for any camera while a bomb (a tiny PNG declaring 20000 x 20000) is refused from its
# header, before a byte is decoded: one decode of 400 M pixels cost 4-5.5 GB of RAM, and
# load_resized decodes on every core at once.
MAX_PIXELS = 100_000_000
# PIL's own guard (warns above, raises above twice this) for any other PIL use in the process;
# open_image checks the header itself first, so its error is the one a reader sees.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _not_an_image(path: Path) -> str:
    """Why PIL found no image format in ``path``: empty, or the bytes it starts with."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if not head:
        return "empty file (0 bytes)"
    return f"not an image (starts with {head!r}; {path.stat().st_size:,} bytes)"


def _damage(err: Exception, part: str) -> str:
    """'truncated image header/data' when PIL says so (a cut-off download or copy), else 'corrupt image ...'."""
    return f"truncated image {part}" if "truncated" in str(err).lower() else f"corrupt image {part}"


def _check_header(img: Image.Image, path: Path) -> None:
    """Refuse, before decoding, images over :data:`MAX_PIXELS` and 16-bit data in an 8-bit mode."""
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise DataError(f"{path}: image is {w}x{h} = {w * h:,} pixels, over the limit of {MAX_PIXELS:,} "
                        f"(fundus_utils.data.io.MAX_PIXELS; a decompression bomb?)")
    raw = " ".join(str(t.args) for t in (img.tile or []))
    if img.mode in _EIGHT_BIT_MODES and re.search(r";16", raw):
        raise DataError(f"{path}: {img.mode} image with 16 bits per channel (PIL would keep only the high "
                        f"byte); expected 8 bits")


def open_image(path: PathLike, draft: Optional[tuple[int, int]] = None) -> Image.Image:
    """Open and fully decode ``path`` (so truncation is found here), or raise :class:`DataError`.

    ``draft``: ``(W, H)`` for JPEG draft mode (DCT-domain downscaling to at least that
    size, RGB); ignored for other formats.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        img = Image.open(path)
    except UnidentifiedImageError as err:
        raise DataError(f"{path}: {_not_an_image(path)}") from err
    except Image.DecompressionBombError as err:  # over 2 x MAX_PIXELS: PIL refuses in open()
        found = re.search(r"\((\d+) pixels\)", str(err))
        pixels = f"{int(found[1]):,}" if found else "?"
        raise DataError(f"{path}: image is {pixels} pixels, over the limit of "
                        f"{MAX_PIXELS:,} (fundus_utils.data.io.MAX_PIXELS; a decompression bomb?)") from err
    except Exception as err:  # a broken header: PIL raises SyntaxError, struct.error, ValueError, ...
        raise DataError(f"{path}: {_damage(err, 'header')} ({type(err).__name__}: {err})") from err
    _check_header(img, path)
    try:
        if draft is not None and img.format == "JPEG":
            img.draft("RGB", draft)
        img.load()  # force the full decode: a truncated file fails here, not later
    except Exception as err:  # decoders raise OSError, SyntaxError, ValueError, EOFError, IndexError, ...
        raise DataError(f"{path}: {_damage(err, 'data')} ({type(err).__name__}: {err})") from err
    return img


def _header(path: PathLike) -> Image.Image:
    """The image at ``path`` opened without decoding (close it), or :class:`DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return Image.open(path)
    except UnidentifiedImageError as err:
        raise DataError(f"{path}: {_not_an_image(path)}") from err
    except Exception as err:
        raise DataError(f"{path}: {_damage(err, 'header')} ({type(err).__name__}: {err})") from err


def image_size(path: PathLike) -> tuple[int, int]:
    """``(width, height)`` of the image at ``path`` from its header (no decode), or :class:`DataError`."""
    with _header(path) as im:
        return im.size


# The lossless conversions read_image and mask_values apply, by the file's PIL mode, as
# verify's report names them; a file in any other mode is read as is or refused.
IMAGE_CONVERSIONS = {"RGBX": "RGBX -> RGB (padding byte dropped)", "RGBA": "RGBA with opaque alpha -> RGB",
                     "P": "palette -> RGB"}
MASK_CONVERSIONS = {"1": "1-bit -> grey", "P": "palette -> grey", "LA": "grey with opaque alpha -> grey",
                    "RGB": "RGB with equal channels -> grey", "RGBA": "RGBA with equal channels and opaque alpha -> grey"}


def conversion(path: PathLike, mask: bool = False) -> Optional[str]:
    """The conversion :func:`read_image` (``mask=True``: :func:`mask_values`) applies to ``path``; None if none."""
    with _header(path) as im:
        return (MASK_CONVERSIONS if mask else IMAGE_CONVERSIONS).get(im.mode)


def _require_opaque(img: Image.Image, path: PathLike) -> None:
    """An alpha channel is dropped only when it is 255 everywhere (otherwise pixels would change meaning)."""
    lo, _ = img.getchannel("A").getextrema()
    if lo != 255:
        raise DataError(f"{path}: {img.mode} image with transparent pixels (alpha down to {lo}); "
                        f"expected an opaque image")


def to_rgb(img: Image.Image, path: PathLike) -> Image.Image:
    """The decoded colour image as 8-bit RGB by a lossless conversion (module docstring), or :class:`DataError`."""
    if img.mode == "RGB":
        return img
    if img.mode == "RGBA":
        _require_opaque(img, path)
    elif img.mode == "P" and "transparency" in img.info:
        raise DataError(f"{path}: palette image with a transparent colour; expected an opaque RGB image")
    elif img.mode not in ("RGBX", "P"):
        raise DataError(f"{path}: expected an 8-bit RGB colour image, got PIL mode {img.mode!r}")
    return img.convert("RGB")


def read_image(path: PathLike) -> np.ndarray:
    """The colour image at ``path`` as ``uint8`` RGB ``H x W x 3``."""
    return np.asarray(to_rgb(open_image(path), path), dtype=np.uint8)


def mask_values(path: PathLike) -> np.ndarray:
    """The grey values of a mask file (``uint8`` ``H x W``) after conversion to ``L``."""
    img = open_image(path)
    if img.mode not in _MASK_MODES:
        raise DataError(f"{path}: unsupported mask mode {img.mode!r}; expected one of {sorted(_MASK_MODES)}")
    if img.mode in ("LA", "RGBA"):
        _require_opaque(img, path)
    if img.mode in ("RGB", "RGBA"):
        arr = np.asarray(img.convert("RGB"))
        if not (np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 0], arr[..., 2])):
            raise DataError(f"{path}: colour mask (channels differ); expected a grey mask")
        return np.ascontiguousarray(arr[..., 0])
    return np.asarray(img.convert("L"), dtype=np.uint8)


def check_mask_size(path: PathLike, shape: tuple[int, int], image: Union[None, PathLike, Sequence[int]]) -> None:
    """A mask of ``shape`` (H, W) must have its image's size: ``image`` is the image's path or its ``(H, W)``."""
    if image is None:
        return
    if isinstance(image, (str, Path)):
        w, h = image_size(image)
        of = f"its image {image} is"
    else:
        h, w = (int(v) for v in image[:2])
        of = "its image is"
    if tuple(shape) != (h, w):
        raise DataError(f"{path}: mask is {shape[1]}x{shape[0]} (WxH) but {of} {w}x{h}")


def read_mask(path: PathLike, encoding: str = "binary", kind: str = "mask",
              check_size: Union[None, PathLike, Sequence[int]] = None) -> np.ndarray:
    """Boolean ``H x W`` mask of structure ``kind`` from the mask file at ``path``.

    ``check_size``: the matching image's path, or its ``(H, W)``; a mask of another size
    raises :class:`DataError` naming both sizes (and the image, when given by path).
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown mask encoding {encoding!r}; expected one of {ENCODINGS}")
    if kind not in KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; expected one of {KINDS}")
    values = mask_values(path)
    check_mask_size(path, values.shape, check_size)
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

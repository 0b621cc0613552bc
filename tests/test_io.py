"""read_image / read_mask: encodings, modes, and errors that name the file and what is wrong."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from fundus_utils.data import DataError, read_image, read_mask
from fundus_utils.data.io import image_size, mask_values

from data_fakes import img


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.jpg: file not found"):
        read_image(tmp_path / "nope.jpg")


def test_grey_image_is_wrong_mode(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "g.png")
    with pytest.raises(DataError, match=r"g\.png: expected an 8-bit RGB colour image, got PIL mode 'L'"):
        read_image(tmp_path / "g.png")


def test_rgba_and_truncated(tmp_path):
    Image.fromarray(np.full((4, 5, 4), 255, np.uint8)).save(tmp_path / "a.png")
    assert read_image(tmp_path / "a.png").shape == (4, 5, 3)
    Image.fromarray(np.full((4, 5, 4), 9, np.uint8)).save(tmp_path / "a9.png")
    with pytest.raises(DataError, match=r"a9\.png: RGBA image with transparent pixels"):
        read_image(tmp_path / "a9.png")  # dropping alpha 9 would turn a faint pixel into a full one
    p = img(tmp_path / "t.jpg", (64, 64))
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(DataError, match=r"t\.jpg: truncated image"):
        read_image(p)


def test_palette_gif_one_bit_png_and_size_check(tmp_path):
    arr = np.zeros((6, 8), np.uint8)
    arr[2:4, 2:6] = 1
    pal = Image.fromarray(arr, mode="P")
    pal.putpalette([4, 2, 4, 252, 254, 252] + [0] * 762)  # DRIVE 2nd_manual: index 1 = vessel (grey 253)
    pal.save(tmp_path / "m.gif")
    assert read_mask(tmp_path / "m.gif", "binary", "vessel").sum() == 8
    Image.fromarray(arr.astype(bool)).save(tmp_path / "m1.png")  # mode "1"
    assert Image.open(tmp_path / "m1.png").mode == "1"
    assert read_mask(tmp_path / "m1.png", "binary", "vessel", check_size=(6, 8)).sum() == 8
    with pytest.raises(DataError, match=r"m1\.png: mask is 8x6 \(WxH\) but its image is 8x7"):
        read_mask(tmp_path / "m1.png", "binary", "vessel", check_size=(7, 8))


def test_encodings(tmp_path):
    ref = np.array([[0, 128, 255]], np.uint8)
    Image.fromarray(ref).save(tmp_path / "r.png")
    assert read_mask(tmp_path / "r.png", "refuge", "od").tolist() == [[True, True, False]]
    assert read_mask(tmp_path / "r.png", "refuge", "oc").tolist() == [[True, False, False]]
    assert read_mask(tmp_path / "r.png", "softmap", "od").tolist() == [[False, True, True]]
    assert read_mask(tmp_path / "r.png", "inverted", "od").tolist() == [[True, False, False]]
    with pytest.raises(DataError, match=r"r\.png: indexed mask has values \[128, 255\]"):
        read_mask(tmp_path / "r.png", "indexed", "od")
    with pytest.raises(ValueError, match="unknown mask encoding"):
        read_mask(tmp_path / "r.png", "rle", "od")
    with pytest.raises(ValueError, match="holds 'od' and 'oc'"):
        read_mask(tmp_path / "r.png", "refuge", "vessel")
    Image.fromarray(np.zeros((2, 2), np.float32), mode="F").save(tmp_path / "i.tif")
    with pytest.raises(DataError, match=r"i\.tif: unsupported mask mode"):
        read_mask(tmp_path / "i.tif", "binary")


# ----------------------------------------------------------------- probes: every decode names the file

def png_bytes(w: int, h: int, bit_depth: int = 8, colour_type: int = 2, rows: bytes | None = None) -> bytes:
    """A PNG written by hand (PIL cannot write 16-bit RGB, nor a header larger than its data)."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    if rows is None:
        rows = b"".join(b"\0" + bytes(w * channels * bit_depth // 8) for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("content, message", [
    (b"", r"x\.jpg: empty file \(0 bytes\)"),
    (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", r"x\.jpg: not an image \(starts with b'<!DOCTYPE html><"),
])
def test_empty_and_html_files(tmp_path, content, message):
    (tmp_path / "x.jpg").write_bytes(content)
    for reader in (read_image, read_mask, mask_values, image_size):
        with pytest.raises(DataError, match=message):
            reader(tmp_path / "x.jpg")


def test_truncated_png_and_jpeg_say_truncated(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)).save(tmp_path / "m.png")
    p = tmp_path / "m.png"
    p.write_bytes(p.read_bytes()[:2000])
    with pytest.raises(DataError, match=r"m\.png: truncated image"):
        read_mask(p)
    j = img(tmp_path / "t.jpg", (64, 64))
    j.write_bytes(j.read_bytes()[:1200])
    with pytest.raises(DataError, match=r"t\.jpg: truncated image"):
        read_image(j)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # PIL's own, before our error
@pytest.mark.parametrize("w, h", [(12000, 10000), (20000, 20000)])  # our header check; PIL's own (> 2 x limit)
def test_decompression_bomb_refused_from_the_header(tmp_path, w, h):
    """A 2 kB PNG declaring 120 M / 400 M pixels is refused before decoding (no GBs of RAM)."""
    from fundus_utils.data import io
    assert io.MAX_PIXELS == 100_000_000 and Image.MAX_IMAGE_PIXELS == io.MAX_PIXELS
    p = tmp_path / "bomb.png"
    p.write_bytes(png_bytes(w, h, 1, 0, rows=b"\0" * 64))
    with pytest.raises(DataError, match=rf"bomb\.png: image is .*{w * h:,} pixels, over the limit of 100,000,000"):
        read_image(p)
    with pytest.raises(DataError, match=r"bomb\.png: image is"):
        read_mask(p)


def test_image_modes_errors_and_lossless_conversions(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 255, (4, 5, 3), np.uint8)
    Image.fromarray(np.dstack([rgb, np.full((4, 5), 255, np.uint8)])).save(tmp_path / "opaque.png")
    assert np.array_equal(read_image(tmp_path / "opaque.png"), rgb)  # RGBA, alpha 255 everywhere
    Image.fromarray(rgb).convert("P").save(tmp_path / "pal.png")
    assert np.array_equal(read_image(tmp_path / "pal.png"), np.asarray(Image.open(tmp_path / "pal.png").convert("RGB")))
    alpha = np.full((4, 5), 255, np.uint8)
    alpha[0, 0] = 7
    Image.fromarray(np.dstack([rgb, alpha])).save(tmp_path / "transparent.png")
    (tmp_path / "rgb16.png").write_bytes(png_bytes(5, 4, 16, 2))
    Image.fromarray(np.zeros((4, 5), np.uint16)).save(tmp_path / "grey16.png")
    Image.fromarray(np.zeros((4, 5), np.float32)).save(tmp_path / "float.tif")
    Image.new("CMYK", (5, 4)).save(tmp_path / "cmyk.jpg")
    expected = {"transparent.png": r"RGBA image with transparent pixels \(alpha down to 7\)",
                "rgb16.png": r"RGB image with 16 bits per channel",
                "grey16.png": r"expected an 8-bit RGB colour image, got PIL mode 'I;16'",
                "float.tif": r"got PIL mode 'F'", "cmyk.jpg": r"got PIL mode 'CMYK'"}
    for name, message in expected.items():
        with pytest.raises(DataError, match=rf"{re.escape(name)}: .*{message}"):
            read_image(tmp_path / name)


def test_mask_with_alpha_or_16_bits(tmp_path):
    la = np.stack([np.full((3, 3), 255, np.uint8), np.full((3, 3), 255, np.uint8)], -1)
    Image.fromarray(la, mode="LA").save(tmp_path / "ok.png")
    assert read_mask(tmp_path / "ok.png").all()
    la[1, 1, 1] = 0
    Image.fromarray(la, mode="LA").save(tmp_path / "holes.png")
    with pytest.raises(DataError, match=r"holes\.png: LA image with transparent pixels"):
        read_mask(tmp_path / "holes.png")
    (tmp_path / "m16.png").write_bytes(png_bytes(3, 3, 16, 2))
    with pytest.raises(DataError, match=r"m16\.png: RGB image with 16 bits per channel"):
        read_mask(tmp_path / "m16.png")


def test_mask_size_checked_against_the_image_file(tmp_path):
    image = img(tmp_path / "i.png", (8, 7))
    Image.fromarray(np.zeros((6, 8), np.uint8)).save(tmp_path / "m.png")
    with pytest.raises(DataError, match=rf"m\.png: mask is 8x6 \(WxH\) but its image {image} is 8x7"):
        read_mask(tmp_path / "m.png", check_size=image)
    (tmp_path / "bad.jpg").write_bytes(b"")
    with pytest.raises(DataError, match=r"bad\.jpg: empty file"):  # the image's header, wrapped too
        read_mask(tmp_path / "m.png", check_size=tmp_path / "bad.jpg")

"""read_image / read_mask: encodings and errors that name the file."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fundus_utils.data import DataError, read_image, read_mask

from data_fakes import img


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.jpg: file not found"):
        read_image(tmp_path / "nope.jpg")


def test_grey_image_is_wrong_mode(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "g.png")
    with pytest.raises(DataError, match=r"g\.png: expected a colour image, got PIL mode 'L'"):
        read_image(tmp_path / "g.png")


def test_rgba_and_truncated(tmp_path):
    Image.fromarray(np.full((4, 5, 4), 9, np.uint8)).save(tmp_path / "a.png")
    assert read_image(tmp_path / "a.png").shape == (4, 5, 3)
    p = img(tmp_path / "t.jpg", (64, 64))
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(DataError, match=r"t\.jpg: corrupt or truncated image"):
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

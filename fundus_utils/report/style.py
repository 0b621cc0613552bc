"""One matplotlib/seaborn style for every figure of the book.

Applied when :mod:`fundus_utils.report` is imported (every notebook imports it before it
draws; the library's plotting modules import their colours from here, which imports it
too), not by ``report.figure``: that helper gets a figure already drawn, when fonts,
colours and layout are fixed. :func:`apply` sets it again (e.g. after
``plt.rcdefaults()``); it is idempotent.

- colours: seaborn's ``colorblind`` palette (Wong / Okabe-Ito hues) is the colour cycle;
  classes use :data:`CLASS_COLOURS` (blue vs orange, never red vs green);
  reference / prediction overlays on pictures use :data:`TRUTH_COLOUR` /
  :data:`PREDICTION_COLOURS`.
- resolution: :data:`DPI` (150) for the figure (notebook display) and the saved PNG.
- fonts: base 10 pt, ticks and legends 9 pt, titles 10-11 pt, annotations
  :data:`ANNOTATION_SIZE` (8 pt); figures are drawn at the width they are meant to be
  shown, so these are the sizes a reader sees.
- layout: tight (``figure.autolayout``; PNGs saved with ``bbox_inches="tight"``).
"""
from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

DPI = 150
PALETTE_NAME = "colorblind"
PALETTE: list[str] = sns.color_palette(PALETTE_NAME).as_hex()
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, BROWN, PINK, GREY, YELLOW, SKY_BLUE = PALETTE

# Two-class colours: the positive class orange, the negative blue (safe for every common
# colour-vision deficiency); unlabelled grey.
POSITIVE, NEGATIVE, UNLABELLED = ORANGE, BLUE, GREY
CLASS_COLOURS: dict[str, str] = {"glaucoma": POSITIVE, "normal": NEGATIVE, "non-glaucoma": NEGATIVE,
                                 "disease": POSITIVE, "no disease": NEGATIVE, "unlabelled": UNLABELLED}
# Outlines and markers drawn over fundus pictures / heat maps: reference white, predictions
# sky blue then yellow (both bright on the red-orange fundus and on dark maps).
TRUTH_COLOUR = "white"
PREDICTION_COLOURS: tuple[str, str] = (SKY_BLUE, YELLOW)

FONT_SIZE = 10
TICK_SIZE = 9
ANNOTATION_SIZE = 8
MIN_TEXT_SIZE = 7  # nothing drawn smaller (the provenance line is at this size)

RC: dict[str, object] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "figure.autolayout": True,
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": TICK_SIZE,
    "ytick.labelsize": TICK_SIZE,
    "legend.fontsize": TICK_SIZE,
    "legend.title_fontsize": TICK_SIZE,
    "figure.titlesize": FONT_SIZE + 1,
    "image.cmap": "viridis",
}


def apply() -> None:
    """Set the book's style (seaborn theme ``ticks``, colour-blind cycle, :data:`RC`)."""
    sns.set_theme(context="notebook", style="ticks", palette=PALETTE_NAME, rc=RC)
    mpl.rcParams.update(RC)  # set_theme's context scales fonts; these sizes win


apply()

__all__ = ["ANNOTATION_SIZE", "CLASS_COLOURS", "DPI", "MIN_TEXT_SIZE", "NEGATIVE", "PALETTE", "POSITIVE",
           "PREDICTION_COLOURS", "RC", "TRUTH_COLOUR", "UNLABELLED", "apply"]

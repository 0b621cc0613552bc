"""Result figures: save as PNG with provenance, glue into the book, show in the notebook."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from . import provenance, style
from ._glue import glue, glue_key, in_kernel
from .tables import result_path

DPI = style.DPI


def figure(fig: Figure, name: str, caption: str, cfg: Any, source: provenance.Source = None,
           dpi: int = DPI, close: bool = True) -> Path:
    """Save ``fig`` to ``cfg.results_dir/<name>.png`` and glue it under the key ``name``.

    The provenance line is drawn small under the figure (so the PNG and the glued copy
    carry it), stored in the PNG's metadata and in ``<name>.provenance.txt`` with the
    caption. The PNG is saved at the book style's resolution (:data:`.style.DPI`). In a
    kernel the figure is glued for ``{glue:figure} name`` and shown once (it is closed
    afterwards so it is not displayed a second time). Returns the PNG path.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"report.figure({name!r}): expected a matplotlib Figure, got {type(fig).__name__}")
    prov = provenance.line(cfg, source)
    fig.text(0.0, 0.0, prov, ha="left", va="top", fontsize=style.MIN_TEXT_SIZE, color="0.45",
             transform=fig.transFigure, gid="provenance")
    path = result_path(cfg, name, ".png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Description": f"{caption}\n{prov}"})
    path.with_suffix(".provenance.txt").write_text(f"{caption}\n{prov}\n")
    if in_kernel():
        glue(glue_key(name), fig, display=True)
        from IPython.display import Markdown, display
        display(Markdown(f"**{name}** — {caption}"))
    else:
        print(f"{name}: {caption}\n{prov}\nsaved {path}")
    if close:
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path

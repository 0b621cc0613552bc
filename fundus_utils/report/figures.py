"""Result figures: save as PNG with provenance, glue into the book, show in the notebook."""
from __future__ import annotations

import base64
import html
from typing import Any

from matplotlib.figure import Figure

from . import provenance, style
from ._glue import glue, glue_key, in_kernel
from .tables import label, result_path

DPI = style.DPI


def figure_html(png: bytes, name: str, caption: str, prov: str, dpi: int = DPI) -> str:
    """A ``<figure>``: the PNG inline, the caption as its alt text, and a readable caption
    with the provenance line under it (the glued copy on a book page carries them too).

    The picture's width is its size in inches at the CSS 96 px per inch (the PNG holds
    ``dpi / 96`` as many pixels, sharp on high-density screens), at most the column's.
    """
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    width = round(int.from_bytes(png[16:20], "big") * 96 / dpi)  # the PNG header's width, in CSS px
    return (f"<figure class='fundus-figure' id='fig-{html.escape(glue_key(name))}'>"
            f"<img src='{src}' alt='{html.escape(caption, quote=True)}' width='{width}' "
            f"style='max-width:100%;height:auto'>"
            f"<figcaption>{label('Figure')} {html.escape(caption)}<br>"
            f"<small style='color:#555'>{html.escape(name)}.png · {html.escape(prov)}</small></figcaption></figure>")


def figure(fig: Figure, name: str, caption: str, cfg: Any, source: provenance.Source = None,
           dpi: int = DPI, close: bool = True) -> None:
    """Save ``fig`` to ``cfg.results_dir/<name>.png`` and glue it under the key ``name``.

    The caption and the provenance line go to the PNG's metadata and to
    ``<name>.provenance.txt``; in a kernel the figure is shown and glued as a ``<figure>``
    (:func:`figure_html`: alt text, caption and provenance in readable text under the
    picture, not drawn into it), for ``{glue} name`` on a book page. The PNG is saved at the
    book style's resolution (:data:`.style.DPI`); the figure is closed afterwards so it is
    not displayed a second time. Returns nothing; :func:`.tables.result_path` names the PNG.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"report.figure({name!r}): expected a matplotlib Figure, got {type(fig).__name__}")
    prov = provenance.line(cfg, source)
    path = result_path(cfg, name, ".png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Description": f"{caption}\n{prov}"})
    path.with_suffix(".provenance.txt").write_text(f"{caption}\n{prov}\n")
    provenance.produced("figure", name, caption)
    if in_kernel():
        from IPython.display import HTML

        glue(glue_key(name), HTML(figure_html(path.read_bytes(), name, caption, prov, dpi)), display=True)
    else:
        print(f"{name}: {caption}\n{prov}\nsaved {path}")
    if close:
        import matplotlib.pyplot as plt
        plt.close(fig)

"""ACRIMA (Diaz-Pinto et al., BioMed Eng OnLine 18:29, 2019): 705 disc-centred crops.

Layout: ``Database/Images/ImNNN_ACRIMA.jpg`` (normal, 309) and ``ImNNN_g_ACRIMA.jpg``
(glaucoma, 396). No official split (all ``test``), no masks, no patient ids
(``patient_id = image_id``). The release ships no other annotation (no masks,
no label file): the class is in the file name.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..registry import register
from ._common import build_table, index_by_stem, walk_files


@register("ACRIMA", folder="ACRIMA")
def load_acrima(root: Path) -> pd.DataFrame:
    """Canonical table of an ACRIMA copy."""
    root = Path(root)
    images = index_by_stem(p for p in walk_files(root) if "ACRIMA" in p.name and p.suffix.lower() in (".jpg", ".png"))
    if not images:
        raise DataError(f"{root}: no ACRIMA images (ImNNN[_g]_ACRIMA.jpg)")
    rows = [dict(image_id=i, image=p, patient_id=i, eye="", device="ACRIMA", split="test",
                 glaucoma=1.0 if "_g_" in i.lower() else 0.0) for i, p in images.items()]
    return build_table(rows, "ACRIMA")

"""Table 1 and Figs. 3-4 of the RFMiD-ensemble paper from the RFMiD training labels.

The paper (Section 4.1) groups RFMiD's 45 conditions into 28 categories (27 kept, 18 merged
into "Others"), lists the training images per category (Table 1), draws their histogram
(Fig. 3) and the number of diseases per image (Fig. 4: 55.72 % with one, 23.38 % with two or
more). Everything here is counted from a canonical RFMiD label table
(:func:`fundus_utils.data.importers.rfmid.load_rfmid`, ``labels_only=True`` for the label CSV
alone) through the shared statistics of :mod:`fundus_utils.data.summary`; the paper's numbers
come from ``report/paper_values/rfmid_ensemble.json``.

Functions
    :func:`open_training_labels`   the real training labels, else the ``synthetic-rfmid`` twin (said so)
    :func:`paper_table1`, :func:`our_table1`, :func:`compare_table1`   Table 1: paper | ours | difference | note
    :func:`images_per_interval`    Fig. 3's interval claims (categories per image-count interval)
    :func:`labels_per_image`, :func:`compare_percentages`   Fig. 4: diseases per image, paper's % beside ours
    :func:`whole_counts`, :func:`percentage_readings`, :func:`explain_percentages`   which whole image
                                   counts the paper's percentages can stand for, and how far ours are
    :func:`at_a_glance`            the chapter page's opening rows for these claims

Our reading: the percentages are shares of all images (normal ones included), since
55.72 % + 23.38 % < 100 %; which total they divide (the 1920 training images, or all 3200)
the paper does not say, so :func:`percentage_readings` tries both.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pandas as pd

from ..data import open_dataset, summary
from ..data.importers.rfmid import GROUP_28, KEPT_27, OTHER_18
from ..report import paper_values

PAPER = "rfmid_ensemble"
OTHERS = {"Others": "OTHER"}          # the paper's name -> ours (GROUP_28's label_OTHER)
TWIN_DEFAULT = dict(n=300, size=64)   # labels only are used; small renders keep the fallback quick
RULES = ("rounded", "truncated")      # how a share may have been cut to two decimals
COMPARE_COLUMNS = ["paper", "ours", "difference", "note"]


@dataclass
class TrainingLabels:
    """The label table used, and what it is (for captions and provenance)."""

    table: pd.DataFrame
    source: str          # provenance source: "RFMiD" or the twin's name
    what: str            # words for captions: "RFMiD training labels" / "synthetic-rfmid twin labels (...)"
    real: bool           # True when the real RFMiD label CSV was read
    note: str = ""       # why the twin stands in, when it does


def open_training_labels(data_root: Optional[str | Path] = None, twin: Optional[Mapping[str, Any]] = None,
                         seed: int = 0) -> TrainingLabels:
    """RFMiD's training split, read from the label CSV alone (``labels_only=True``).

    ``data_root``: the folder holding ``RFMiD/`` (default: :func:`fundus_utils.config.find_data_root`).
    When no readable copy is there, the ``synthetic-rfmid`` twin (``twin`` = its ``n``/``size``,
    default :data:`TWIN_DEFAULT`; all its rows) stands in, and ``note`` says why: the caller
    must print it, and ``what`` names the twin in every caption.
    """
    opened = summary.open_present("RFMiD", data_root, fallback={}, labels_only=True)
    if opened.present:
        train = opened.table[opened.table["split"] == "train"].reset_index(drop=True)
        if len(train):
            return TrainingLabels(train, "RFMiD", "RFMiD training labels", True)
        note = "the RFMiD copy holds no training labels"
    else:
        note = f"RFMiD {opened.status}: {opened.note.rstrip('.')}"
    params = {**TWIN_DEFAULT, **dict(twin or {})}
    table = open_dataset("synthetic-rfmid", n=int(params["n"]), size=int(params["size"]), seed=seed)
    what = f"synthetic-rfmid twin labels ({len(table)} images; NOT the real RFMiD labels)"
    return TrainingLabels(table.reset_index(drop=True), "synthetic-rfmid", what, False,
                          f"{note}; the synthetic-rfmid twin (labels drawn at the real training frequencies) "
                          "stands in, and every number below is the twin's")


# ------------------------------------------------------------------------------- Table 1

def paper_table1() -> pd.DataFrame:
    """The paper's Table 1, indexed by our category names (``Others`` -> ``OTHER``), in GROUP_28 order.

    One column ``images``; a category the paper omits would be NaN.
    """
    df = paper_values.frame(PAPER, "table1")
    df["category"] = df["category"].replace(OTHERS)
    order = [c.removeprefix("label_") for c in GROUP_28]
    extra = sorted(set(df["category"]) - set(order))
    if extra:
        raise ValueError(f"paper Table 1 has categories outside the 28-category grouping: {extra}")
    return df.set_index("category").reindex(order)[["images"]]


def our_table1(table: pd.DataFrame) -> pd.DataFrame:
    """Images per category of ``table`` in the paper's 28-category grouping (27 kept + OTHER).

    Indexed by category (GROUP_28 order); columns ``images`` and ``members`` (the conditions
    merged into OTHER), from :func:`fundus_utils.data.summary.grouping_28_table`.
    """
    g = summary.grouping_28_table(table).set_index("category")
    return g.rename(columns={"positives": "images"})[["images", "members"]]


def compare_table1(paper: pd.DataFrame, ours: pd.DataFrame, real: bool = True) -> pd.DataFrame:
    """Table 1 side by side: paper | ours | difference (ours - paper) | note, one row per category.

    ``note``: "matches", "differs", "not in the paper", or for the twin (``real=False``) that
    the counts are the twin's. OTHER's note names how many conditions it merges.
    """
    df = pd.DataFrame({"paper": paper["images"].astype("Int64"), "ours": ours["images"].astype("Int64")})
    df["difference"] = df["ours"] - df["paper"]
    notes = []
    for cat, row in df.iterrows():
        if pd.isna(row["paper"]):
            note = "not in the paper"
        elif not real:
            note = "twin: random draw at the real frequencies"
        else:
            note = "matches" if row["difference"] == 0 else "differs"
        if cat == "OTHER":
            note += f" (any of {len(OTHER_18)} merged conditions)"
        notes.append(note)
    df["note"] = notes
    df.index.name = "category"
    return df[COMPARE_COLUMNS]


def matches(comparison: pd.DataFrame) -> int:
    """Categories of :func:`compare_table1` whose count equals the paper's."""
    return int((comparison["difference"] == 0).sum())


# --------------------------------------------------------------------------------- Fig. 3

def images_per_interval(counts: pd.Series, intervals: Sequence[tuple[float, float, str]]) -> pd.DataFrame:
    """Categories whose image count lies in each interval.

    ``counts``: images per category; ``intervals``: ``(low, high, closed)`` with ``closed`` one
    of "neither", "right", "left", "both" (the paper's "(10, 200)" is ``(10, 200, "neither")``).
    Columns: interval, categories (count), which (their names).
    """
    rows = []
    for low, high, closed in intervals:
        inside = counts[counts.between(low, high, inclusive=closed)]
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed in ("right", "both") else ")"
        rows.append(dict(interval=f"{left}{low:g}, {high:g}{right}", categories=len(inside),
                         which=", ".join(inside.index)))
    return pd.DataFrame(rows)


FIG3_CLAIMS = (("fig3_categories_10_200", (10, 200, "neither")), ("fig3_categories_580_770", (580, 770, "right")))


def compare_fig3(ours: pd.DataFrame) -> pd.DataFrame:
    """Fig. 3's two interval claims: paper | ours | difference | note (largest category named)."""
    top = ours["images"].idxmax()
    rows = []
    for key, interval in FIG3_CLAIMS:
        got = images_per_interval(ours["images"], [interval]).iloc[0]
        paper = int(paper_values.get(PAPER, key))
        note = f"ours: {got['which'] or 'none'}" if got["categories"] <= 6 else f"{got['categories']} categories"
        if interval[0] >= ours["images"].max():
            note += f"; our largest category ({top}) has {int(ours['images'].max())} images"
        rows.append(dict(claim=f"categories with {got['interval']} images", paper=paper, ours=int(got["categories"]),
                         difference=int(got["categories"]) - paper, note=note))
    return pd.DataFrame(rows).set_index("claim")


# --------------------------------------------------------------------------------- Fig. 4

def labels_per_image(table: pd.DataFrame) -> pd.DataFrame:
    """Images by number of positive categories in the 28-category grouping.

    :func:`fundus_utils.data.summary.labels_per_image` over ``GROUP_28`` (OTHER counts once,
    however many merged conditions an image has). Columns: labels, images, fraction.
    """
    from ..data.importers.rfmid import group_28

    return summary.labels_per_image(group_28(table), list(GROUP_28))


def whole_counts(percent: float, n: int, rule: str = "rounded") -> list[int]:
    """Every whole image count ``k`` (0..n) whose share ``100 k / n`` prints as ``percent`` at two decimals.

    ``rule``: "rounded" (half up) or "truncated". Exact integer arithmetic on hundredths of a
    percent, so 23.375 % rounds to 23.38 % and 55.729 % truncates to 55.72 %.
    """
    p = round(percent * 100)            # hundredths of a percent
    if rule == "rounded":
        return [k for k in range(n + 1) if (20000 * k + n) // (2 * n) == p]
    if rule == "truncated":
        return [k for k in range(n + 1) if (10000 * k) // n == p]
    raise ValueError(f"rule must be one of {RULES}, not {rule!r}")


def _ours_by_group(per_image: pd.DataFrame) -> dict[str, int]:
    k = per_image.set_index("labels")["images"]
    return {"one": int(k.get(1, 0)), "two_or_more": int(k[k.index >= 2].sum()), "none": int(k.get(0, 0))}


def compare_percentages(per_image: pd.DataFrame) -> pd.DataFrame:
    """Fig. 4's two shares: paper (%) | ours (%) | difference (points) | ours (images) | of images."""
    ours = _ours_by_group(per_image)
    n = int(per_image["images"].sum())
    rows = []
    for group, key, words in (("one", "fig4_one_disease_pct", "images with exactly one disease"),
                              ("two_or_more", "fig4_two_or_more_pct", "images with two or more diseases")):
        paper = float(paper_values.get(PAPER, key))
        pct = 100 * ours[group] / n if n else float("nan")
        rows.append(dict(share=words, paper=paper, ours=round(pct, 2), difference=round(pct - paper, 2),
                         images=ours[group], of=n))
    return pd.DataFrame(rows).set_index("share")


def percentage_readings(per_image: pd.DataFrame, totals: Mapping[str, int]) -> pd.DataFrame:
    """Which whole counts the paper's two percentages can stand for, for each candidate total.

    ``totals``: ``{name: number of images}`` (e.g. our training images, the whole dataset).
    One row per (total, rule) where both percentages have a whole count: the counts (one,
    two or more), their sum (= images with at least one disease under that reading), ours
    where the total is our table's (else NaN: those labels are not here), and the images by
    which ours differ. Readings where a percentage has no whole count are left out.
    """
    ours = _ours_by_group(per_image)
    n_ours = int(per_image["images"].sum())
    pct = {g: float(paper_values.get(PAPER, k)) for g, k in (("one", "fig4_one_disease_pct"),
                                                              ("two_or_more", "fig4_two_or_more_pct"))}
    rows = []
    for name, n in totals.items():
        for rule in RULES:
            one, more = whole_counts(pct["one"], n, rule), whole_counts(pct["two_or_more"], n, rule)
            if len(one) != 1 or len(more) != 1:
                continue
            here = n == n_ours
            rows.append(dict(total=name, images=n, rule=rule, one=one[0], two_or_more=more[0],
                             diseased=one[0] + more[0],
                             ours_one=ours["one"] if here else pd.NA, ours_two_or_more=ours["two_or_more"] if here else pd.NA,
                             ours_diseased=ours["one"] + ours["two_or_more"] if here else pd.NA,
                             moved=ours["two_or_more"] - more[0] if here else pd.NA))
    cols = ["total", "images", "rule", "one", "two_or_more", "diseased", "ours_one", "ours_two_or_more",
            "ours_diseased", "moved"]
    df = pd.DataFrame(rows, columns=cols)
    for c in cols[6:]:
        df[c] = df[c].astype("Int64")
    return df


def explain_percentages(readings: pd.DataFrame, n_ours: int) -> dict[str, Any]:
    """The difference between the paper's percentages and ours, in words, from :func:`percentage_readings`.

    Returns ``text`` plus the numbers it states: ``paper_one``, ``paper_two_or_more`` (the
    paper's whole counts on our total), ``moved`` (images ours count with two or more
    diseases that the paper's counts have with one; negative the other way) and
    ``same_diseased`` (both readings have the same number of diseased images). Empty numbers
    (None) when no reading fits our total.
    """
    here = readings[readings["images"] == n_ours]
    other = readings[readings["images"] != n_ours]
    out: dict[str, Any] = dict(paper_one=None, paper_two_or_more=None, moved=None, same_diseased=None)
    parts = []
    if len(here):
        r = here.iloc[0]
        out.update(paper_one=int(r["one"]), paper_two_or_more=int(r["two_or_more"]), moved=int(r["moved"]),
                   same_diseased=bool(r["diseased"] == r["ours_diseased"]))
        parts.append(
            f"Of our {n_ours} images, the paper's percentages fit whole counts only when {r['rule']} to two "
            f"decimals: {r['one']} images with one disease and {r['two_or_more']} with two or more; ours are "
            f"{r['ours_one']} and {r['ours_two_or_more']}.")
        if out["same_diseased"]:
            parts.append(
                f"Both sum to {r['diseased']} diseased images, so {abs(out['moved'])} images "
                f"{'counted with two or more diseases here have one' if out['moved'] > 0 else 'counted with one disease here have more'}"
                " in the paper's counts: the same number of diseased images, split differently between one and several diseases.")
        else:
            parts.append(f"The diseased images differ too ({r['diseased']} vs {r['ours_diseased']}).")
    else:
        parts.append(f"No whole count of our {n_ours} images gives both of the paper's percentages.")
    for _, r in other.iterrows():
        parts.append(
            f"Read as shares of {r['images']} images ({r['total']}, {r['rule']}), they would be {r['one']} and "
            f"{r['two_or_more']} ({r['diseased']} diseased); those labels are not here to check.")
    out["text"] = " ".join(parts)
    return out


# --------------------------------------------------------------------------- at a glance

def at_a_glance(comparison: pd.DataFrame, shares: pd.DataFrame, explanation: Mapping[str, Any],
                profile: str, real: bool) -> pd.DataFrame:
    """Claim | paper | ours | profile | what the difference means, for Table 1 and Fig. 4's two shares."""
    n_match, n_cat = matches(comparison), len(comparison)
    paper_cats = int(comparison["paper"].notna().sum())
    source = "" if real else " (twin: not the real labels)"
    rows = [("Table 1: training images per category (28 categories)",
             f"{paper_cats} counts printed", f"{n_match} of {n_cat} equal the paper's{source}", profile,
             ("every count reproduced from the label CSV" if real and n_match == n_cat
              else "see the Table 1 comparison" if real else "the twin draws labels at random; compare on the real CSV"))]
    moved = explanation.get("moved")
    for share, row in shares.iterrows():
        meaning = ("see the explanation below Fig. 4" if moved is None or not real else
                   f"{abs(moved)} images counted differently (same diseased images)" if explanation.get("same_diseased")
                   else f"{abs(moved)} images differ")
        rows.append((f"Fig. 4: {share}", f"{row['paper']:.2f} %",
                     f"{row['ours']:.2f} % ({int(row['images'])} of {int(row['of'])}){source}", profile, meaning))
    df = pd.DataFrame(rows, columns=["claim", "paper", "ours", "profile", "what the difference means"])
    return df.set_index("claim")


__all__ = ["TrainingLabels", "open_training_labels", "paper_table1", "our_table1", "compare_table1", "matches",
           "images_per_interval", "compare_fig3", "labels_per_image", "whole_counts", "compare_percentages",
           "percentage_readings", "explain_percentages", "at_a_glance", "KEPT_27", "OTHER_18", "GROUP_28"]

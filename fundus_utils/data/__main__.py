"""Command line: ``python -m fundus_utils.data verify NAME [ROOT]`` and ``... folds write NAME [SOURCE]``.

Exit status: 0 when the copy passes, 1 when ``verify`` found problems, 2 for a usage error
(an unknown dataset name: one line on stderr listing the known names, no traceback).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import folds, names
from .registry import get
from .verify import verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fundus_utils.data")
    sub = parser.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="check a dataset copy against its manifest")
    v.add_argument("name", help=f"one of {names()}")
    v.add_argument("root", nargs="?", help="dataset folder or the data root holding it (default $FUNDUS_DATA)")
    v.add_argument("--sha256", type=Path, help="file of '<sha256>  <path relative to root>' lines")
    v.add_argument("--folds", type=Path, help="fold CSV to check instead of the committed one")
    v.add_argument("--no-masks", action="store_true", help="skip reading masks")
    v.add_argument("--quiet", action="store_true", help="do not print warnings")
    f = sub.add_parser("folds", help="(re)write committed fold assignments")
    f.add_argument("action", choices=["write"])
    f.add_argument("name", choices=sorted(folds.BUILDERS))
    f.add_argument("source", nargs="?", type=Path, help="RFMiD: path of RFMiD_Training_Labels.csv")
    args = parser.parse_args(argv)
    if args.cmd == "folds":
        print(folds.write(args.name, args.source))
        return 0
    try:
        get(args.name)
    except KeyError as err:  # a typo, not a bug: one line naming the known datasets
        print(f"{parser.prog} verify: {err.args[0]}", file=sys.stderr)
        return 2
    kwargs = {"labels_only": True} if args.name.lower() == "rfmid" else {}
    report = verify(args.name, args.root, sha256=args.sha256, masks=not args.no_masks, folds_csv=args.folds, **kwargs)
    for line in report.lines():
        if args.quiet and line.startswith("warning"):
            continue
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Every relative import in the library resolves, including those inside functions (a moved
module leaves them broken until the code path runs), and no shared layer imports a chapter."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fundus_utils"
SHARED = ("data", "models", "train", "evaluation", "report")


def _relative_imports():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = ["fundus_utils", *parts[:-1]] if path.name != "__init__.py" else ["fundus_utils", *parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1]
                yield path, ".".join(base + ([node.module] if node.module else [])), [a.name for a in node.names]


def test_every_relative_import_resolves() -> None:
    broken = []
    for path, target, names in _relative_imports():
        module = importlib.import_module(target)
        for name in names:
            if not hasattr(module, name):
                try:
                    importlib.import_module(f"{target}.{name}")
                except ImportError:
                    broken.append(f"{path.relative_to(ROOT)}: from {target} import {name}")
    assert not broken, "\n".join(broken)


def test_shared_layers_import_no_chapter() -> None:
    from fundus_utils import config

    chapters = set(config.chapters())
    wrong = [f"{path.relative_to(ROOT)} imports {target}" for path, target, _ in _relative_imports()
             if path.relative_to(ROOT).parts[0] in SHARED and target.split(".")[1:2] and target.split(".")[1] in chapters]
    assert not wrong, "\n".join(wrong)


def test_no_chapter_imports_another() -> None:
    from fundus_utils import config

    chapters = set(config.chapters())
    wrong = [f"{path.relative_to(ROOT)} imports {target}" for path, target, _ in _relative_imports()
             if path.relative_to(ROOT).parts[0] in chapters and len(target.split(".")) > 1
             and target.split(".")[1] in chapters - {path.relative_to(ROOT).parts[0]}]
    assert not wrong, "\n".join(wrong)

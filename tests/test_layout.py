"""The house rules that keep the layout honest: data flows one way, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("index", "search", "api")
# package -> packages it must never import
FORBIDDEN = {
    "index": {"search", "api", "eval"},
    "search": {"api", "eval"},
    "api": {"eval"},
}
MAX_LINES = 400


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_data_flows_one_way(package: str) -> None:
    bad = {
        str(p.relative_to(ROOT)): sorted(_imported_top_levels(p) & FORBIDDEN[package])
        for p in _modules(package)
    }
    assert not {k: v for k, v in bad.items() if v}


def test_no_module_is_a_god_module() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for pkg in (*PRODUCT, "eval")
        for p in _modules(pkg)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_eval_commands_come_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    from api.cli import COMMAND_GROUP, build_parser

    names = {ep.name for ep in entry_points(group=COMMAND_GROUP)}
    assert "eval" in names
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"eval", "bench", "index", "search", "ask", "serve"} <= set(sub.choices)


def test_query_time_never_imports_torch() -> None:
    """The reader runs in numpy; torch is for training (eval/) and the optional
    sentence-transformers encoder, which imports it where it loads."""
    found = [str(p.relative_to(ROOT)) for p in _modules("search") + _modules("api")
             if "torch" in _imported_top_levels(p)]
    assert not found


def test_shipped_models_carry_their_provenance() -> None:
    import json

    from search.models import MODEL_DIR

    for kind in ("ranker", "answerer", "highlighter", "reader"):
        spec = json.loads((MODEL_DIR / f"{kind}.json").read_text(encoding="utf-8"))
        prov = spec["provenance"]
        assert spec["kind"] == kind and (spec["features"] or kind == "reader")
        assert prov["code_version"] and prov["command"] and prov["trained_at"]
        assert prov["data_sha256"], f"{kind}: training data checksums are missing"

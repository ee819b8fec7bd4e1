"""meili.charts is shared by the web layer and the reports: it imports only meili.errors and meili.i18n of Meili."""

from __future__ import annotations

import ast

from tests.helpers import REPO


def test_charts_import_no_other_part_of_meili():
    found = {}
    for path in sorted((REPO / "src" / "meili" / "charts").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.startswith("meili") and not name.startswith(("meili.charts", "meili.errors", "meili.i18n")):
                    found[path.name] = name
    assert found == {}

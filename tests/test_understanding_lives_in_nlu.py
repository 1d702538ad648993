"""Every reading of the user's words lives in bot/nlu: no policy, action or other layer imports `re`.

(bot/testing.py matches regexes against the bot's replies, not the user's words; knowledge/ compiles
the red-flag patterns to validate them and tokenises facts and questions for its search index.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["actions", "bot/dialogue", "bot/channels", "bot/responses", "bot/stores", "bot/core",
           "bot/app.py", "bot/cli.py", "bot/validate.py", "bot/registry.py"]


def _files() -> list[Path]:
    out: list[Path] = []
    for part in CHECKED:
        path = ROOT / part
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def _imports_re(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name in ("re", "regex") for a in node.names):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module in ("re", "regex"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_regex_outside_the_nlu(path: Path) -> None:
    assert not _imports_re(path), f"{path.relative_to(ROOT)} imports re: read the user's words in bot/nlu"


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "policy.py"
    sample.write_text("import os\nimport re\n")
    assert _imports_re(sample) == [2]


def test_intent_properties_name_only_domain_intents(tmp_path: Path) -> None:
    from bot.core.domain import DOMAIN_FILE, INTENTS_FILE, load_domain
    from bot.core.errors import DataError

    bad = tmp_path / "intents.yml"
    bad.write_text(INTENTS_FILE.read_text().replace("harmless_guess: [", "harmless_guess: [ask_taxes, "))
    with pytest.raises(DataError, match=r"intents.yml: harmless_guess -> ask_taxes"):
        load_domain(DOMAIN_FILE, bad)

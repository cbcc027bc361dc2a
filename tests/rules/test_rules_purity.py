"""kam_rules is pure: importing every module loads nothing from bot/ and no langchain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_kam_rules_imports_nothing_from_bot_or_langchain() -> None:
    code = (
        "import sys\n"
        "import kam_rules, kam_rules.money, kam_rules.pricing, kam_rules.opportunities, kam_rules.tiering\n"
        "import kam_rules.cadence, kam_rules.skills, kam_rules.coverage, kam_rules.rationale\n"
        "kam_rules.money.parse_amount('三十万')\n"
        "bad = sorted(m for m in sys.modules if m == 'bot' or m.startswith(('bot.', 'langchain')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_no_bot_import_in_source() -> None:
    for path in (ROOT / "kam_rules").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from bot" not in text and "import bot" not in text, path
        assert "langchain" not in text, path

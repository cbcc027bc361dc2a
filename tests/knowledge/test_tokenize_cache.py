"""jieba's dictionary cache stays in KAM_DATA_DIR (contracts section 7: no command writes elsewhere)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, cli_env


def test_jieba_cache_goes_to_the_data_folder_not_the_temp_folder(tmp_path):
    data_dir, temp_dir = tmp_path / "data", tmp_path / "tmp"
    temp_dir.mkdir()
    env = cli_env(data_dir, TMPDIR=str(temp_dir))
    code = "from bot.retrieval.tokenize import tokenize; print(tokenize('客户分层怎么做'))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "客户" in result.stdout
    assert list(temp_dir.iterdir()) == []
    assert (data_dir / "jieba.cache").is_file()

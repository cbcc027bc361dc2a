"""jieba's dictionary: its caches stay in KAM_DATA_DIR (contracts section 7: no command writes elsewhere),
or in KAM_CACHE_DIR when it is set, and a question cut against the memory-mapped table gets exactly the
tokens of jieba's loaded dictionary."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO, cli_env


@pytest.mark.parametrize("own_cache_folder", [False, True], ids=["default", "KAM_CACHE_DIR"])
def test_jieba_caches_go_to_the_cache_folder_not_the_temp_folder(tmp_path, own_cache_folder):
    data_dir, temp_dir, cache_dir = tmp_path / "data", tmp_path / "tmp", tmp_path / "shared-cache"
    temp_dir.mkdir()
    env = cli_env(data_dir, TMPDIR=str(temp_dir), KAM_CACHE_DIR=str(cache_dir) if own_cache_folder else "")
    code = (
        "from bot.retrieval.tokenize import tokenize, tokenize_many;"
        "print(tokenize('客户分层怎么做'), tokenize_many(['大客户经理每季度回顾一次']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "客户" in result.stdout and "回顾" in result.stdout
    assert list(temp_dir.iterdir()) == []
    expected = cache_dir if own_cache_folder else data_dir / "cache"
    assert (expected / "jieba.cache").is_file()
    assert len(list(expected.glob("jieba-*/words.npy"))) == 1
    if own_cache_folder:
        assert not data_dir.exists() or list(data_dir.rglob("*jieba*")) == []


def test_questions_cut_against_the_mapped_table_match_the_loaded_dictionary(tmp_path):
    """The same Chinese text through both paths, in a fresh process each (the paths share a module)."""
    texts = [
        item["q"]
        for name in ("retrieval_eval.yaml", "retrieval_holdout.yaml", "offtopic_eval.yaml")
        for item in yaml.safe_load((REPO / "tests" / "data" / name).read_text(encoding="utf-8"))
    ]
    texts += [
        line
        for path in sorted((REPO / "knowledge" / "zh").glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    source = tmp_path / "texts.yaml"
    source.write_text(yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8")
    outputs = []
    for loader in ("tokenize", "tokenize_many"):
        code = (
            "import json, sys, yaml; from bot.retrieval import tokenize as t;"
            f"texts = yaml.safe_load(open({str(source)!r}, encoding='utf-8'));"
            f"bulk = {loader!r} == 'tokenize_many';"
            "tokens = t.tokenize_many(texts) if bulk else [t.tokenize(x) for x in texts];"
            "print('lazy' if t._bulk is None else 'loaded', file=sys.stderr); print(json.dumps(tokens))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=cli_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outputs.append((result.stderr.split()[-1], result.stdout))
    (lazy, lazy_tokens), (loaded, loaded_tokens) = outputs
    assert (lazy, loaded) == ("lazy", "loaded")
    assert lazy_tokens == loaded_tokens

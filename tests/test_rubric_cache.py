"""What an index makes of the rubric's texts, kept on disk between processes: parsed Docs and
meaning vectors (real encoder, real spaCy pipeline, real files)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from marker import concepts, rubric_cache
from marker.encoder import load_encoder
from marker.engine import Marker, build_index
from marker.meaning import point_vectors, prepare, question_vector
from marker.nlp import build_pipeline

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["The Allies withdrew and left the Whites alone.", "The Bolsheviks held the railways."]


@pytest.fixture()
def cache(monkeypatch, tmp_path):
    """An empty cache folder of this test's own."""
    monkeypatch.setenv("MARKER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rubric"


def only_file(folder: Path) -> Path:
    files = sorted(folder.glob("*.npz"))
    assert len(files) == 1, files
    return files[0]


def test_rubric_cache_miss_writes_the_encoders_vectors_and_a_hit_reads_them(cache):
    fresh = load_encoder().encode(TEXTS)
    first = rubric_cache.encode(TEXTS)
    assert np.array_equal(first, fresh)  # exactly what the encoder gives
    path = only_file(cache)
    # A hit reads the file: give it other (finite, well-shaped) vectors under the same key,
    # and those come back, not the encoder's.
    with np.load(path) as data:
        key = str(data["key"])
    np.savez(path, key=np.array(key), vectors=np.full_like(fresh, 0.5))
    assert np.array_equal(rubric_cache.encode(TEXTS), np.full_like(fresh, 0.5))
    # Other texts (or the same in another order) are another file.
    assert np.array_equal(rubric_cache.encode(TEXTS[::-1]), fresh[::-1])
    assert len(list(cache.glob("*.npz"))) == 2


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path, fresh: path.write_bytes(path.read_bytes()[:100]),  # truncated
        lambda path, fresh: path.write_bytes(b"not a zip at all"),
        lambda path, fresh: np.savez(path, key=np.array("another key"), vectors=fresh),  # stale
        lambda path, fresh: np.savez(path, key=np.array(_key(path)), vectors=fresh[:1]),  # wrong shape
        lambda path, fresh: np.savez(path, key=np.array(_key(path)), vectors=fresh * np.nan),
        lambda path, fresh: np.savez(
            path, key=np.array(_key(path)), vectors=np.array([{"x": 1}], dtype=object)
        ),
    ],
    ids=["truncated", "not-npz", "stale-key", "wrong-shape", "not-finite", "pickled"],
)
def test_rubric_cache_a_damaged_or_stale_file_is_ignored_and_replaced(cache, spoil):
    fresh = rubric_cache.encode(TEXTS)
    path = only_file(cache)
    spoil(path, fresh)
    assert np.array_equal(rubric_cache.encode(TEXTS), fresh)  # made again, no traceback
    with np.load(path, allow_pickle=False) as data:  # and the file holds them again
        assert np.array_equal(data["vectors"], fresh)


def _key(path: Path) -> str:
    with np.load(path, allow_pickle=False) as data:
        return str(data["key"])


def test_rubric_cache_token_vectors_round_trip(cache):
    fresh = load_encoder().encode_tokens(TEXTS)
    made, read = rubric_cache.encode_tokens(TEXTS), rubric_cache.encode_tokens(TEXTS)
    assert len(list(cache.glob("*.npz"))) == 1
    for a, b, c in zip(fresh, made, read, strict=True):
        assert a.tokens == b.tokens == c.tokens and len(a.tokens) > 3
        assert np.array_equal(a.vector, c.vector) and np.array_equal(a.pieces, c.pieces)
        assert c.pieces.dtype == np.float32


def test_rubric_cache_key_names_the_encoder_and_its_back_end():
    numpy_id = rubric_cache.encoder_identity("numpy", 8)
    assert numpy_id != rubric_cache.encoder_identity("onnxruntime", 8)
    assert numpy_id != rubric_cache.encoder_identity("numpy", 16)
    assert "53aa51172d142c89" in numpy_id  # the weights' digest


def test_rubric_cache_unwritable_folder_still_gives_the_vectors(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MARKER_CACHE_DIR", str(blocker))
    assert np.array_equal(rubric_cache.encode(TEXTS), load_encoder().encode(TEXTS))


def test_rubric_cache_keeps_a_bounded_number_of_files(cache, monkeypatch):
    monkeypatch.setattr(rubric_cache, "MAX_FILES", 2)
    for i in range(4):
        rubric_cache.encode([f"Sentence number {i} about the treaty."])
    assert len(list(cache.glob("*.npz"))) == 2


def test_rubric_cache_rubric_edit_makes_new_vectors(cache, mini_marker):
    question = mini_marker.bank.question("mini-points")
    index = mini_marker.index(question)
    index.cache.clear()
    prepare(index)
    made = set(cache.glob("*.npz"))
    assert len(made) == 2  # the points' wordings, the question
    before = point_vectors(index)
    # A new process builds the same index: its vectors come from the files, equal to the first.
    index.cache.clear()
    assert all(np.array_equal(a, b) for a, b in zip(point_vectors(index), before, strict=True))
    assert set(cache.glob("*.npz")) == made
    point = question.points[0]
    edited = question.model_copy(
        update={
            "points": [point.model_copy(update={"label": "Germany paid reparations"}), *question.points[1:]]
        }
    )
    new = point_vectors(mini_marker.index(edited))
    assert len(set(cache.glob("*.npz")) - made) == 1  # a new file for the edited wordings
    expected = load_encoder().encode(["Germany paid reparations"])[0]
    assert np.array_equal(new[0][0], expected) and not np.array_equal(new[0][0], before[0][0])
    assert np.array_equal(question_vector(mini_marker.index(edited)), question_vector(index))


def test_rubric_cache_is_read_by_a_new_process(cache):
    """A second process finds the file the first wrote and does not encode the texts again."""
    script = textwrap.dedent(
        f"""
        import numpy as np
        from marker import rubric_cache
        from marker.encoder import Encoder
        calls = []
        encode = Encoder.encode
        Encoder.encode = lambda self, texts, batch_size=None: calls.append(texts) or encode(self, texts)
        v = rubric_cache.encode({TEXTS!r})
        print(len(calls), round(float(v[0] @ v[1]), 6))
        """
    )
    env = {**os.environ, "MARKER_CACHE_DIR": str(cache.parent)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        )
        for _ in range(2)
    ]
    first, second = (r.stdout.split() for r in runs)
    assert first[0] == "1" and second[0] == "0"  # encoded once, then read
    assert first[1] == second[1]


# --- parsed texts ----------------------------------------------------------------------------


def _tokens(doc):
    return [(t.text, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i, t.is_sent_start, t.ent_type_) for t in doc]


def test_rubric_cache_docs_are_the_pipelines_and_are_read_back(cache, mini_marker):
    texts = ["The Treaty of Rapallo was signed in 1922.", "Germany and Soviet Russia restored relations."]
    nlp = mini_marker.nlp
    made = rubric_cache.parse(nlp, texts)
    (path,) = cache.glob("*.spacy")
    read = rubric_cache.parse(nlp, texts)
    fresh = list(nlp.pipe(texts))
    for a, b, c in zip(made, read, fresh, strict=True):
        assert _tokens(a) == _tokens(b) == _tokens(c) and len(a) > 5
        assert "marker_concepts" not in b.spans  # the concept matcher is not run: the index reads no spans
    # The file is what is read: texts under another file's key are refused (the key is checked).
    other = rubric_cache.parse(nlp, texts[:1])
    (other_path,) = set(cache.glob("*.spacy")) - {path}
    path.write_bytes(other_path.read_bytes())
    assert [d.text for d in rubric_cache.parse(nlp, texts)] == texts
    assert _tokens(other[0]) == _tokens(fresh[0])


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\n\x00\x01"], ids=["empty", "garbage", "no-key"])
def test_rubric_cache_damaged_docs_file_is_parsed_again(cache, mini_marker, damage):
    texts = ["Both sides renounced claims against each other."]
    fresh = rubric_cache.parse(mini_marker.nlp, texts)
    (path,) = cache.glob("*.spacy")
    good = path.read_bytes()
    path.write_bytes(damage or good[: len(good) // 2])
    again = rubric_cache.parse(mini_marker.nlp, texts)
    assert _tokens(again[0]) == _tokens(fresh[0])
    assert path.read_bytes() == good  # replaced by a whole file


def test_rubric_cache_index_from_read_docs_equals_the_parsed_one(cache, mini_marker):
    question = mini_marker.bank.question("mini-points")
    args = (
        mini_marker.nlp,
        question,
        mini_marker.bank.topic_for(question),
        mini_marker.bank.answers_for(question.id),
    )
    first, second = build_index(*args), build_index(*args)  # parsed, then read from the files
    assert list(cache.glob("*.spacy"))
    for ix in (first, second):
        assert ix.question_terms and ix.scheme_terms
    assert first.point_matrix.toarray().tolist() == second.point_matrix.toarray().tolist()
    assert first.vectorizer.vocabulary_ == second.vectorizer.vocabulary_
    assert (first.question_terms, first.scheme_terms, first.source_runs, first.point_wordings) == (
        second.question_terms,
        second.scheme_terms,
        second.source_runs,
        second.point_wordings,
    )
    assert [r.terms for r in first.model_set.references] == [r.terms for r in second.model_set.references]


def test_rubric_cache_pipeline_identity_names_the_model_and_its_components(mini_marker):
    identity = rubric_cache.pipeline_identity(mini_marker.nlp)
    assert "en_core_web_sm" in identity or "core_web_sm" in identity
    assert "parser" in identity and "marker_concepts" not in identity


# --- the concept matcher's phrases -----------------------------------------------------------

SENTENCES = [
    "Rapalo mattered. They broke isolation at last. Germans trained troops there.",
    "Rapallo ended Soviet isolation. Germans began secret military cooperation.",
    "The Soviet Union signed it. Bela Kun led Hungary briefly.",
]


def _matches(nlp) -> list[list[tuple]]:
    return [
        [(s.start, s.end, s.label_, s.kb_id_) for s in doc.spans["marker_concepts"]]
        for doc in nlp.pipe(SENTENCES)
    ]


def _count_lemmatising(monkeypatch) -> list[list[str]]:
    """The phrase lists that the pipeline lemmatises from now on (a cache hit adds none)."""
    calls: list[list[str]] = []
    lemmatise = concepts.lemmatise
    monkeypatch.setattr(
        concepts, "lemmatise", lambda nlp, texts: calls.append(texts) or lemmatise(nlp, texts)
    )
    return calls


def test_rubric_cache_warm_pipeline_reads_the_matchers_lemmas(cache, mini_bank, monkeypatch):
    Marker(mini_bank)  # a first process: lemmatised, then written
    assert len(list(cache.glob("*.spacy"))) == 1
    calls = _count_lemmatising(monkeypatch)
    warm = Marker(mini_bank).nlp
    assert calls == []  # the next reads them: the pipeline is not run over the phrases
    # A phrase the file does not hold (a teacher's new concept) is lemmatised, into a file of its own.
    warm.get_pipe("marker_concepts").add_entries([concepts.Entry("c:new", ("signed a secret pact",))])
    assert calls == [["signed a secret pact"]]
    assert len(list(cache.glob("*.spacy"))) == 2


def test_rubric_cache_matcher_from_read_lemmas_marks_as_without_the_cache(cache, mini_bank):
    entries = mini_bank.entries()
    plain = build_pipeline(entries)  # lemmatised by the pipeline, no cache
    build_pipeline(entries, rubric_cache.lemmatise)
    warm = build_pipeline(entries, rubric_cache.lemmatise)  # read from the file
    assert warm.get_pipe("marker_concepts").loose == plain.get_pipe("marker_concepts").loose
    assert _matches(warm) == _matches(plain) and any(_matches(plain))
    marks = []
    for nlp in (plain, warm):
        marker = Marker(mini_bank, nlp)
        marks.append(
            [marker.mark(q, a.text).to_dict() for q in mini_bank.questions for a in mini_bank.answers_for(q)]
        )
    assert marks[0] == marks[1] and marks[0]


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"\n\x00\x01", None],
    ids=["empty", "garbage", "no-key", "truncated"],
)
def test_rubric_cache_damaged_lemmas_file_is_lemmatised_again(cache, mini_bank, monkeypatch, damage):
    entries = mini_bank.entries()
    plain = build_pipeline(entries)
    build_pipeline(entries, rubric_cache.lemmatise)
    (path,) = cache.glob("*.spacy")
    good = path.read_bytes()
    path.write_bytes(damage if damage is not None else good[: len(good) // 2])
    calls = _count_lemmatising(monkeypatch)
    again = build_pipeline(entries, rubric_cache.lemmatise)  # no traceback
    assert len(calls) == 1
    assert _matches(again) == _matches(plain)
    assert path.read_bytes() == good  # replaced by a whole file


def test_rubric_cache_lemmas_of_other_phrases_or_pipeline_are_another_file(cache, mini_marker, monkeypatch):
    nlp = mini_marker.nlp
    rubric_cache.lemmatise(nlp, ["broke isolation", "trained troops"])
    (path,) = cache.glob("*.spacy")
    # A file holding other phrases under this key is refused (the texts are checked too).
    other = rubric_cache.lemmatise(nlp, ["signed a pact"])
    (other_path,) = set(cache.glob("*.spacy")) - {path}
    path.write_bytes(other_path.read_bytes())
    assert [d.text for d in rubric_cache.lemmatise(nlp, ["broke isolation", "trained troops"])] == [
        "broke isolation",
        "trained troops",
    ]
    assert [t.lemma_ for t in other[0]] == ["sign", "a", "pact"]
    # Another pipeline (its identity changes with its model, components, config or loader code).
    before = set(cache.glob("*.spacy"))
    monkeypatch.setattr(rubric_cache, "pipeline_identity", lambda pipeline: "another pipeline")
    rubric_cache.lemmatise(nlp, ["signed a pact"])
    assert len(set(cache.glob("*.spacy")) - before) == 1

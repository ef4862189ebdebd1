"""Whether a change moves the public short answers: re-mark cached ones and compare.

``benchmarks/agreement.py --cache FILE`` keeps every public answer it marked (SemEval-2013 and SAF,
all splits) with its Feedback, under a stamp of the marking (engine version, shipped zero-shot
model, tuning values that move marks, the code that reads answer keys). A change of other code
(an essay-only reading, an advisory, a speed-up) leaves the stamp alone or changes it without
meaning to change short answers; this script marks a seeded sample of the cached answers again
with the code of this checkout and counts those whose Feedback differs in any field but the
engine version. ``0 of N differ`` means the cached marks still stand for this code, so the
benchmark's cache may be restamped (``--restamp OUT``: the same marks under this code's stamp)
and the agreement tables reproduced from it by calibration alone.

    .venv/bin/python benchmarks/remark_cached.py CACHE.pkl [--n 2000] [--seed 0] [--restamp OUT.pkl]
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for _p in (str(BENCH.parent), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import agreement  # noqa: E402
from public_sets import SAF_CSV, SEMEVAL_ZIP, convert_sets  # noqa: E402

from marker.atomic import write_atomically  # noqa: E402
from marker.evaluate import mark_scripts  # noqa: E402
from marker.scripts import Script  # noqa: E402


def comparable(fb) -> dict:
    """A Feedback as a dict, without the engine version it was marked under."""
    data = fb.to_dict()
    data.pop("engine_version", None)
    return data


def remark(data: dict, sets, n: int = 2000, seed: int = 0) -> tuple[list, list]:
    """A seeded sample of ``n`` (0: all) of the cache's answers, and those of them whose Feedback,
    marked again by this code over the converted ``sets``, differs from the cached one."""
    keys = sorted(data["feedbacks"])
    random.Random(seed).shuffle(keys)
    keys = keys[:n] if n else keys
    marker, _ = agreement.build_marker(sets)
    scripts = [Script(f"s{i}", "", text, qid, None, "cache", "") for i, (qid, text) in enumerate(keys)]
    fbs = mark_scripts(marker, scripts)
    differ = [
        k for k, fb in zip(keys, fbs, strict=True) if comparable(fb) != comparable(data["feedbacks"][k])
    ]
    return keys, differ


def restamp(data: dict, differ: list, out: Path) -> None:
    """Write the cache under this code's stamp; refused when any answer differs."""
    if differ:
        raise SystemExit("not restamped: some answers differ, so the cache does not stand for this code")
    write_atomically(out, pickle.dumps({**data, "stamp": agreement.marking_stamp()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cache", type=Path)
    parser.add_argument("--n", type=int, default=2000, help="how many cached answers (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--restamp", type=Path, default=None, help="write the cache under this code's stamp")
    parser.add_argument("--zip", type=Path, default=SEMEVAL_ZIP, help="the SemEval-2013 zip")
    parser.add_argument("--saf-csv", type=Path, default=SAF_CSV, help="SAF's saf_en.csv")
    args = parser.parse_args()
    data = pickle.loads(args.cache.read_bytes())
    print(f"cache stamp {data['stamp']}, this code's stamp {agreement.marking_stamp()}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        sets = convert_sets(["semeval", "saf"], Path(tmp), args.zip, args.saf_csv)
        keys, differ = remark(data, sets, args.n, args.seed)
    print(f"{len(differ)} of {len(keys)} cached public answers differ")
    for qid, text in differ[:10]:
        print(f"  {qid}: {text[:80]!r}")
    print(f"wall time {time.perf_counter() - t0:.0f} s")
    if args.restamp is not None:
        restamp(data, differ, args.restamp)
        print(f"restamped copy written to {args.restamp}")


if __name__ == "__main__":
    main()

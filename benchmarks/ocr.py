"""How well and how fast scans and photos are read (marker/ocr.py), on pages this script makes.

Run: .venv/bin/python benchmarks/ocr.py [--essay 08] [--only NAME ...]

Each sample is a validation essay of rapallo-significance (tests/validation: 08-narrative,
347 words, by default) set on an A4-shaped page and then degraded as a scanner or a phone would,
or written in a handwriting-like way:

- typed: DejaVu Sans, 12 point at 150 dpi, as a PNG;
- scans: the page in a PDF with no text layer (JPEG inside, as Pillow and most scanners save it)
  at 150 and 200 dpi;
- photos: the page turned on a desk, blurred, noisy, unevenly lit, saved as JPEG;
- hand-printed: every word in DejaVu Sans Oblique at its own size, angle and baseline (a steady
  hand printing in capitals and small letters), and the same photographed;
- handwriting fonts: Debian's fonts-dkg-handwriting, fonts-breip and fonts-femkeklaver when they
  are installed (apt-get install fonts-dkg-handwriting fonts-breip fonts-femkeklaver): typefaces
  drawn from people's handwriting, more regular than a pupil's pen.

For each it prints the seconds to read the page (after the models are loaded), the character
and word error rates against the typed text (whitespace runs count as one space), the mean
confidence, whether the batch would ask the teacher to check the transcription, and the mark
the OCR text gets beside the typed text's mark. Real handwriting is not measured here: no
sample of it ships with the repository.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import textwrap
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker import ocr  # noqa: E402
from marker.batch import needs_check  # noqa: E402
from marker.readers import read_script  # noqa: E402
from marker.scripts import Script  # noqa: E402

QUESTION = "rapallo-significance"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
HANDS = {
    "dkg": Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"),
    "breip": Path("/usr/share/fonts/truetype/breip/Breip.ttf"),
    "femkeklaver": Path("/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf"),
}
WIDTH = 1240  # A4 at 150 dpi


def essay(name: str) -> list[str]:
    """The paragraphs of a validation essay of rapallo-significance (tests/validation), e.g. 05-thin-analysis."""
    from marker.validation import load_validation

    (found,) = [a for a in load_validation(question=QUESTION) if a.name.startswith(name)]
    return [p.strip() for p in found.text.split("\n\n") if p.strip()]


def typeset(
    paragraphs: list[str], font: Path, size: int, width: int = WIDTH, jitter: float = 0.0
) -> Image.Image:
    """The paragraphs on white pages' worth of paper (one tall page), a blank line between paragraphs."""
    face = ImageFont.truetype(str(font), size)
    margin = int(width * 0.08)
    chars = int((width - 2 * margin) / (face.getlength("abcdefghij klmnopqrstuvwxyz") / 27))
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, chars), ""]
    pitch = int(size * 1.6)
    img = Image.new("L", (width, pitch * len(lines) + 2 * margin), "white")
    draw = ImageDraw.Draw(img)
    rng = random.Random(7)
    for i, line in enumerate(lines):
        y = margin + i * pitch
        if not jitter:
            draw.text((margin, y), line, font=face, fill=0)
            continue
        x = margin + rng.uniform(-4, 4) * jitter
        for word in line.split():
            wface = ImageFont.truetype(
                str(font), max(8, int(size * rng.uniform(1 - jitter / 10, 1 + jitter / 10)))
            )
            w = int(wface.getlength(word)) + 8
            tile = Image.new("L", (w, int(size * 1.6)), 255)
            ImageDraw.Draw(tile).text((4, 4), word, font=wface, fill=rng.randint(0, 60))
            tile = tile.rotate(
                rng.uniform(-4, 4) * jitter, expand=True, fillcolor=255, resample=Image.BICUBIC
            )
            # The word's ink (where the tile is dark) pasted in black at a wavering baseline.
            img.paste(
                Image.new("L", tile.size, 0),
                (int(x), int(y + rng.uniform(-4, 4) * jitter)),
                ImageOps.invert(tile),
            )
            x += w + wface.getlength(" ") * rng.uniform(0.6, 1.4)
    return img


def png(img: Image.Image) -> tuple[str, bytes]:
    out = io.BytesIO()
    img.save(out, "PNG")
    return "page.png", out.getvalue()


def scan(img: Image.Image, dpi_scale: float = 1.0) -> tuple[str, bytes]:
    if dpi_scale != 1.0:
        img = img.resize((int(img.width * dpi_scale), int(img.height * dpi_scale)), Image.LANCZOS)
    out = io.BytesIO()
    img.filter(ImageFilter.GaussianBlur(0.4)).save(out, "PDF", resolution=150 * dpi_scale)
    return "scan.pdf", out.getvalue()


def photo(img: Image.Image, angle: float, blur: float, seed: int = 3) -> tuple[str, bytes]:
    rng = random.Random(seed)
    paper = img.convert("RGB").rotate(angle, expand=True, fillcolor=(110, 100, 90), resample=Image.BICUBIC)
    desk = Image.new("RGB", (paper.width + 200, paper.height + 200), (110, 100, 90))
    desk.paste(paper, (100, 100))
    # Uneven light: darker towards one corner, as under a desk lamp.
    shade = Image.linear_gradient("L").resize(desk.size).rotate(rng.choice([30, 120]))
    desk = Image.composite(desk, desk.point(lambda v: int(v * 0.75)), shade.point(lambda v: 255 - v // 2))
    desk = desk.filter(ImageFilter.GaussianBlur(blur))
    desk = Image.blend(desk, Image.effect_noise(desk.size, 20).convert("RGB"), 0.06)
    out = io.BytesIO()
    desk.save(out, "JPEG", quality=82)
    return "photo.jpg", out.getvalue()


def samples(paragraphs: list[str]) -> dict[str, tuple[str, bytes]]:
    sans = DEJAVU / "DejaVuSans.ttf"
    typed = typeset(paragraphs, sans, 25)
    hand = typeset(paragraphs, DEJAVU / "DejaVuSans-Oblique.ttf", 27, jitter=1.0)
    messy = typeset(paragraphs, DEJAVU / "DejaVuSans-Oblique.ttf", 27, jitter=2.0).filter(
        ImageFilter.GaussianBlur(1)
    )
    out = {
        "typed page (PNG)": png(typed),
        "scanned PDF, 150 dpi": scan(typed),
        "scanned PDF, 200 dpi": scan(typed, 4 / 3),
        "phone photo (1.5 deg, light blur)": photo(typed, 1.5, 0.6),
        "phone photo (4 deg, blurred, shaded)": photo(typed, 4, 1.2),
        "hand-printed (jittered oblique)": png(hand),
        "hand-printed, photographed": photo(hand, 2, 0.8),
        "hand-printed, twice the jitter, blurred": png(messy),
    }
    for name, path in HANDS.items():
        if path.exists():
            page = typeset(paragraphs, path, 30)
            out[f"handwriting font {name}"] = png(page)
            out[f"handwriting font {name}, photographed"] = photo(page, 2, 0.8)
    return out


def rates(read: str, truth: str) -> tuple[float, float]:
    a, b = " ".join(read.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / len(b), Levenshtein.distance(a.split(), b.split()) / len(b.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--essay", default="08", help="validation essay of rapallo-significance, by number")
    parser.add_argument("--only", action="append", help="samples whose name contains this")
    args = parser.parse_args(argv)
    import marker

    paragraphs = essay(args.essay)
    truth = "\n\n".join(paragraphs)
    grader = marker.default_marker()
    typed_mark = grader.mark(QUESTION, truth)
    start = time.perf_counter()
    ocr._engine()
    ocr.recognise(Image.new("RGB", (200, 60), "white"))  # load the models once, outside the timings
    print(
        f"models loaded in {time.perf_counter() - start:.1f} s; {len(truth.split())} words typed, "
        f"marked {typed_mark.mark}/{typed_mark.max_mark} (level {typed_mark.level})\n"
    )
    print(f"| sample | s/page | CER | WER | confidence | asks to check | mark (typed {typed_mark.mark}) |")
    print("|---|---|---|---|---|---|---|")
    for name, (file, data) in samples(paragraphs).items():
        if args.only and not any(o in name for o in args.only):
            continue
        ocr.forget()
        start = time.perf_counter()
        try:
            got = read_script(file, data)
        except Exception as exc:  # a sample OCR cannot read at all is a result too
            print(f"| {name} | {time.perf_counter() - start:.1f} | - | - | - | refused: {exc} | - |")
            continue
        seconds = time.perf_counter() - start
        cer, wer = rates(got.text, truth)
        script = Script("s", "", got.text, QUESTION, None, file, "", got.ocr_confidence, got.ocr_doubtful)
        fb = grader.mark(QUESTION, got.text)
        print(
            f"| {name} | {seconds:.1f} | {cer:.1%} | {wer:.1%} | {got.ocr_confidence:.3f} | "
            f"{'yes' if needs_check(script) else 'no'} | {fb.mark} |",
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process {peak:.0f} MB (spaCy and the OCR models loaded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scans and photos of typed scripts, made at test time with Pillow (no image is stored in the repo).

Text is typeset in DejaVu Sans (Debian's fonts-dejavu-core, which CI installs for the browser tests),
a paragraph per block with a blank line between; a "scan" is that page in a PDF with no text
layer, and a "photo" is the page turned a little, on a grey desk, blurred, noisy and saved as
a JPEG, as a phone would take it.
"""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def page(paragraphs: list[str], *, size: int = 26, width: int = 1100, chars: int = 70) -> Image.Image:
    """The paragraphs typeset on a white page, black text, a blank line between paragraphs."""
    # Pillow's own scalable font where fonts-dejavu-core is missing (the tests then still run).
    font = ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, chars), ""]
    pitch = int(size * 1.5)
    img = Image.new("L", (width, pitch * len(lines) + 2 * size), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((size * 2, size + i * pitch), line, font=font, fill="black")
    return img


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def scanned_pdf(*pages: Image.Image, dpi: int = 150) -> bytes:
    """The pages as a PDF of pictures only (no text layer), as a scanner saves them."""
    out = io.BytesIO()
    first, *rest = [p.convert("L") for p in pages]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


def photo(
    img: Image.Image, *, angle: float = 1.5, blur: float = 0.6, noise: int = 12, seed: int = 3
) -> bytes:
    """A phone photo of the page: turned by ``angle`` degrees on a grey desk, blurred, noisy, JPEG."""
    rng = random.Random(seed)
    paper = img.convert("RGB").rotate(angle, expand=True, fillcolor=(120, 115, 110), resample=Image.BICUBIC)
    desk = Image.new("RGB", (paper.width + 120, paper.height + 120), (120, 115, 110))
    desk.paste(paper, (60, 60))
    desk = desk.filter(ImageFilter.GaussianBlur(blur))
    speckle = Image.effect_noise(desk.size, noise).convert("RGB")
    desk = Image.blend(desk, speckle, 0.08)
    out = io.BytesIO()
    desk.save(out, "JPEG", quality=rng.choice([80, 85]))
    return out.getvalue()

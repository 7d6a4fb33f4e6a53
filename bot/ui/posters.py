"""Printable QR posters (PNG): the campaign's name and goal, a QR code of its deep link (with the
poster's source tag) and the link written out.

The QR code is segno's; the page is composed with Pillow. A4 is drawn at 150 dpi and A6 at 300
dpi: both are about 1240 × 1750 pixels, so one layout serves both, and each prints sharp at its
size. The fonts are DejaVu Sans, shipped in bot/ui/fonts (Pillow's built-in font has no "é" nor
"€"), so nothing depends on the machine's fonts.
"""

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal

import segno
from PIL import Image, ImageDraw, ImageFont

Format = Literal["a4", "a6"]
FONTS = Path(__file__).resolve().parent / "fonts"
# Paper sizes in millimetres, and the resolution each is drawn at.
PAPER: dict[str, tuple[float, float, int]] = {"a4": (210, 297, 150), "a6": (105, 148, 300)}
INK = (17, 17, 17)
ACCENT = (34, 110, 200)
MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class PosterTexts:
    """What the poster says, already in the holder's language."""

    headline: str  # "Follow this campaign on Telegram"
    title: str
    goal: str  # "Goal: €2,000"
    scan: str  # "Scan to follow it and get its news"
    link: str  # the deep link, written out under the code


def page_size(fmt: Format) -> tuple[int, int, int]:
    """Width and height in pixels, and the dpi."""
    width_mm, height_mm, dpi = PAPER[fmt]
    return round(width_mm / MM_PER_INCH * dpi), round(height_mm / MM_PER_INCH * dpi), dpi


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap within `width` pixels; the last line kept ends with "…" if cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and face.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        while face.getlength(word) > width:  # a word wider than the line is cut
            cut = max(
                1, next(i for i in range(len(word), 0, -1) if face.getlength(word[:i]) <= width)
            )
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines


def fitting_font(text: str, width: int, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The largest font up to `size` in which `text` fits on one line of `width` pixels."""
    while size > 8 and font(size, bold).getlength(text) > width:
        size -= 2
    return font(size, bold)


def qr_image(link: str, side: int) -> Image.Image:
    """The link's QR code (error correction M, the standard quiet zone), about `side` pixels."""
    code = segno.make(link, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    buffer = BytesIO()
    code.save(buffer, kind="png", scale=max(1, side // modules), border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def render_poster(texts: PosterTexts, fmt: Format) -> bytes:
    """The poster as PNG bytes, with its dpi recorded so that it prints at its paper size."""
    width, height, dpi = page_size(fmt)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = width // 14
    inner = width - 2 * margin
    y = margin

    def centred(line: str, face: ImageFont.FreeTypeFont, colour: tuple[int, int, int]) -> None:
        nonlocal y
        left, top, right, bottom = draw.textbbox((0, 0), line, font=face)
        draw.text(((width - (right - left)) // 2 - left, y - top), line, font=face, fill=colour)
        y += int(bottom - top) + int(face.size) // 3

    for line in wrap(texts.headline, font(width // 24), inner, 2):
        centred(line, font(width // 24), ACCENT)
    y += width // 40
    for line in wrap(texts.title, font(width // 13, bold=True), inner, 3):
        centred(line, font(width // 13, bold=True), INK)
    y += width // 80
    centred(texts.goal, fitting_font(texts.goal, inner, width // 22), INK)
    scan_face = font(width // 24, bold=True)
    scan = wrap(texts.scan, scan_face, inner, 2)
    shown = texts.link.removeprefix("https://")
    link_face = fitting_font(shown, inner, width // 28)
    gap = width // 40
    below = (len(scan) * int(scan_face.size) + int(link_face.size)) * 4 // 3 + gap
    side = min(width * 7 // 10, height - y - below - 2 * gap - margin)
    code = qr_image(texts.link, side)
    page.paste(code, ((width - code.width) // 2, y + gap + (side - code.height) // 2))
    y += gap + side + gap
    for line in scan:
        centred(line, scan_face, INK)
    y += gap
    centred(shown, link_face, ACCENT)
    if y > height - margin // 2:
        raise ValueError("the poster's texts do not fit on the page")
    output = BytesIO()
    page.save(output, format="PNG", dpi=(dpi, dpi), optimize=True)
    return output.getvalue()

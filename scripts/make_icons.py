"""Draw Reader's app icons (run once; the PNGs are committed).

A folded news page on the brand colour. The maskable icon keeps the drawing inside the
central 80% circle that platforms may crop to (W3C Manifest, "maskable" purpose).
"""
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND = (13, 92, 99)
PAPER = (253, 252, 249)
INK = (13, 92, 99)


def draw(size, *, padding, rounded):
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    radius = size // 5 if rounded else 0
    pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=radius, fill=BRAND)
    inner = size * padding
    left, top, right, bottom = inner, inner * 0.9, size - inner, size - inner * 0.9
    pen.rounded_rectangle((left, top, right, bottom), radius=size // 40, fill=PAPER)
    width = right - left
    line = max(2, round(size / 28))
    pen.rectangle((left + width * .12, top + width * .12, right - width * .12, top + width * .3), fill=INK)
    y = top + width * .42
    while y < bottom - width * .12:
        pen.rectangle((left + width * .12, y, right - width * .12, y + line), fill=(120, 150, 155))
        y += line * 2.6
    return image


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, padding=.2, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw(512, padding=.2, rounded=True).save(OUT / "icon-512.png", optimize=True)
    draw(512, padding=.3, rounded=False).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, padding=.2, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    badge(96).save(OUT / "badge-96.png", optimize=True)


def badge(size):
    """Android shows a notification badge as a white silhouette: only the alpha channel counts."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin, line = size * .18, max(2, size // 12)
    pen.rectangle((margin, margin, size - margin, margin + line * 2), fill=(255, 255, 255, 255))
    y = margin + line * 3.5
    while y < size - margin:
        pen.rectangle((margin, y, size - margin, y + line), fill=(255, 255, 255, 255))
        y += line * 2.2
    return image


if __name__ == "__main__":
    main()

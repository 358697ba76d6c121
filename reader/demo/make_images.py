"""Draw the demo publisher's pictures with Pillow and write them into site/images/.

Run `python -m reader.demo.make_images` after changing a scene; the JPEGs are
committed, so the demo never needs the network. Every scene is drawn from
shapes and a seeded random generator, so reruns give the same pixels.
"""
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

IMAGES_DIR = Path(__file__).parent / "site" / "images"
JPEG_QUALITY = 72      # flat drawn scenes stay sharp at 72 and keep the set under ~600 KB
LEAD = (1200, 675)     # 16:9, the size most publishers use for og:image
WIDE = (1600, 900)     # wider than Reader's largest variant, so resizing has work to do

INK = (28, 33, 40)
WHITE = (250, 250, 246)


def font(size):
    """Pillow's bundled scalable font: the same on every machine."""
    return ImageFont.load_default(size=size)


def gradient(size, top, bottom):
    """A vertical two-colour gradient."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return image


def label(draw, xy, text, size=28, fill=WHITE, box=INK):
    """A caption tag with a dark box behind it, like a news graphic."""
    f = font(size)
    left, top, right, bottom = draw.textbbox(xy, text, font=f)
    draw.rectangle([left - 10, top - 8, right + 10, bottom + 8], fill=box)
    draw.text(xy, text, font=f, fill=fill)


def mountains(draw, size, base, color, rng, peaks=7, height=0.35):
    """A ridge line of random peaks sitting on the y coordinate `base`."""
    width, _ = size
    step = width / peaks
    points = [(0, base)]
    for i in range(peaks + 1):
        points.append((i * step, base - rng.uniform(0.4, 1.0) * height * size[1]))
        points.append((i * step + step / 2, base - rng.uniform(0.1, 0.4) * height * size[1]))
    points += [(width, base), (width, size[1]), (0, size[1])]
    draw.polygon(points, fill=color)


def sun(draw, center, radius, color):
    x, y = center
    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=color)


def map_base(size, sea=(126, 170, 196), land=(222, 210, 176)):
    """Sea background with a rough Central Asia landmass and the Caspian cut out of it."""
    width, height = size
    image = Image.new("RGB", size, sea)
    draw = ImageDraw.Draw(image)
    sx, sy = width / 1600, height / 900
    scale = lambda pts: [(x * sx, y * sy) for x, y in pts]  # noqa: E731
    draw.polygon(scale([(0, 120), (420, 60), (900, 40), (1600, 80), (1600, 900), (0, 900)]), fill=land)
    draw.polygon(scale([(300, 250), (360, 220), (400, 330), (380, 470), (420, 600), (360, 700),
                        (300, 640), (320, 500), (280, 380)]), fill=sea)          # Caspian Sea
    draw.ellipse(scale([(560, 300), (640, 380)]), fill=sea)                      # Aral remnant
    draw.ellipse(scale([(1090, 330), (1230, 380)]), fill=sea)                    # Balkhash
    for border in ([(420, 420), (700, 470), (980, 520), (1150, 470), (1500, 430)],
                   [(700, 470), (760, 700)], [(980, 520), (1000, 640), (1150, 660)],
                   [(1000, 640), (900, 760)]):
        draw.line(scale(border), fill=(170, 150, 120), width=max(2, round(3 * sx)))
    return image, draw, scale


def scene_summit(rng):
    image = gradient(LEAD, (58, 44, 72), (170, 120, 96))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 470, 1200, 675], fill=(92, 62, 48))
    draw.rounded_rectangle([150, 380, 1050, 470], radius=30, fill=(236, 232, 220))
    colours = [(0, 158, 203), (230, 28, 36), (0, 122, 61), (0, 132, 61), (30, 90, 170), (188, 0, 45)]
    for i, colour in enumerate(colours):
        x = 200 + i * 150
        draw.ellipse([x, 250, x + 70, 320], fill=(52, 40, 36))
        draw.rectangle([x - 10, 320, x + 80, 390], fill=(40, 44, 60))
        draw.rectangle([x + 20, 395, x + 50, 440], fill=colour)
    for x in range(80, 1200, 160):
        draw.rectangle([x, 60, x + 90, 200], fill=(210, 180, 120))
    label(draw, (60, 600), "TOKYO - leaders at the table", 30)
    return image


def scene_minerals(rng):
    image, draw, scale = map_base(WIDE)
    markers = [((520, 330), "U", (240, 200, 40)), ((760, 560), "Au", (220, 170, 30)),
               ((560, 640), "Gas", (90, 160, 220)), ((1050, 600), "Sb", (180, 90, 160)),
               ((880, 700), "Al", (150, 150, 150)), ((1180, 420), "W", (120, 200, 120))]
    for (x, y), text, colour in markers:
        x, y = scale([(x, y)])[0]
        draw.ellipse([x - 34, y - 34, x + 34, y + 34], fill=colour, outline=INK, width=4)
        draw.text((x, y), text, font=font(30), fill=INK, anchor="mm")
    label(draw, (60, 820), "Critical minerals in Central Asia (illustrative)", 36)
    return image


def scene_route(rng, size=LEAD, title="Trans-Caspian International Transport Route"):
    image, draw, scale = map_base(size)
    route = [(1580, 380), (1380, 420), (1150, 470), (900, 420), (640, 460), (430, 470),
             (250, 480), (150, 520), (60, 560), (0, 600)]
    draw.line(scale(route), fill=(200, 40, 40), width=8, joint="curve")
    draw.line(scale([(430, 470), (250, 480)]), fill=WHITE, width=8)        # the ferry leg
    for name, point in (("Khorgos", (1380, 420)), ("Aktau", (430, 470)), ("Baku", (250, 480)),
                        ("Tbilisi", (150, 520))):
        x, y = scale([point])[0]
        draw.ellipse([x - 10, y - 10, x + 10, y + 10], fill=INK)
        draw.text((x + 14, y - 40), name, font=font(26), fill=INK)
    label(draw, (40, size[1] - 70), title, 30)
    return image


def scene_skyline(rng):
    image = gradient(LEAD, (20, 60, 120), (250, 170, 110))
    draw = ImageDraw.Draw(image)
    sun(draw, (900, 420), 90, (255, 214, 140))
    x = 0
    while x < 1200:
        width, height = rng.randint(40, 110), rng.randint(120, 380)
        draw.rectangle([x, 600 - height, x + width, 600], fill=(30, 34, 52))
        x += width + rng.randint(0, 12)
    draw.polygon([(560, 600), (600, 170), (640, 600)], fill=(24, 28, 44))       # a tower
    draw.ellipse([575, 150, 625, 200], fill=(240, 190, 80))
    draw.rectangle([0, 600, 1200, 675], fill=(40, 40, 46))
    return image


def scene_reservoir(rng):
    image = gradient(LEAD, (150, 196, 230), (230, 236, 240))
    draw = ImageDraw.Draw(image)
    mountains(draw, LEAD, 420, (120, 130, 150), rng, peaks=5, height=0.45)
    mountains(draw, LEAD, 470, (86, 100, 96), rng, peaks=8, height=0.25)
    draw.rectangle([0, 470, 1200, 675], fill=(70, 120, 150))
    for y in range(500, 675, 24):                                              # low-water bands
        draw.line([(0, y), (1200, y)], fill=(170, 160, 140), width=6)
    draw.polygon([(780, 380), (1200, 360), (1200, 520), (780, 520)], fill=(200, 200, 196))
    return image


def scene_fields(rng):
    image = gradient(LEAD, (120, 180, 230), (210, 230, 245))
    draw = ImageDraw.Draw(image)
    for i in range(10):
        y = 330 + i * 36
        draw.rectangle([0, y, 1200, y + 36], fill=(214 - i * 4, 170 - i * 6, 60 + (i % 2) * 20))
    for x in (180, 250, 320):
        draw.rectangle([x, 140, x + 60, 360], fill=(200, 200, 204))
        draw.ellipse([x, 120, x + 60, 160], fill=(200, 200, 204))
    draw.rectangle([380, 240, 520, 360], fill=(150, 150, 160))
    draw.rectangle([700, 400, 880, 460], fill=(200, 60, 40))                   # combine
    draw.ellipse([720, 445, 770, 495], fill=INK)
    draw.ellipse([820, 445, 870, 495], fill=INK)
    return image


def scene_dam(rng):
    image = gradient(WIDE, (170, 200, 225), (235, 235, 230))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 900), (0, 150), (420, 260), (640, 900)], fill=(110, 96, 84))
    draw.polygon([(1600, 900), (1600, 120), (1180, 250), (960, 900)], fill=(96, 86, 78))
    draw.polygon([(560, 420), (1040, 420), (980, 900), (620, 900)], fill=(190, 186, 176))
    draw.polygon([(560, 420), (1040, 420), (1180, 250), (420, 260)], fill=(60, 110, 140))
    for i in range(6):
        draw.line([(640 + i * 60, 440), (660 + i * 50, 880)], fill=(160, 156, 150), width=4)
    for x in (700, 860):
        draw.line([(x, 380), (x, 150)], fill=(220, 170, 40), width=10)          # cranes
        draw.line([(x - 80, 160), (x + 160, 160)], fill=(220, 170, 40), width=8)
    return image


def scene_quake(rng):
    image, draw, scale = map_base(LEAD)
    x, y = scale([(1010, 660)])[0]
    for radius in (150, 110, 70, 36):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=(200, 30, 30), width=6)
    draw.ellipse([x - 14, y - 14, x + 14, y + 14], fill=(200, 30, 30))
    label(draw, (40, 600), "Epicentre (preliminary)", 32, box=(160, 20, 20))
    return image


def scene_market(rng):
    image = gradient(LEAD, (80, 150, 210), (240, 220, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse([450, 80, 750, 380], fill=(40, 120, 160))                     # a blue dome
    draw.rectangle([430, 230, 770, 420], fill=(230, 210, 170))
    for x in range(30, 1200, 170):
        colour = rng.choice([(210, 70, 50), (240, 170, 40), (60, 140, 90), (120, 80, 160)])
        draw.polygon([(x, 470), (x + 150, 470), (x + 130, 420), (x + 20, 420)], fill=colour)
        draw.rectangle([x + 10, 470, x + 140, 560], fill=(150, 110, 70))
        for i in range(5):
            draw.ellipse([x + 18 + i * 24, 440 + 40, x + 38 + i * 24, 500], fill=(250, 150, 40))
    draw.rectangle([0, 560, 1200, 675], fill=(190, 170, 140))
    return image


def scene_port(rng):
    image = gradient(WIDE, (120, 170, 210), (230, 220, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, 1600, 900], fill=(60, 100, 130))
    draw.rectangle([0, 520, 1600, 580], fill=(120, 120, 124))
    for i, x in enumerate(range(80, 1500, 260)):
        draw.line([(x, 520), (x, 180)], fill=(230, 120, 30), width=14)
        draw.line([(x - 60, 190), (x + 200, 190)], fill=(230, 120, 30), width=12)
        draw.line([(x + 160, 190), (x + 160, 300 + 40 * (i % 3))], fill=INK, width=3)
    containers(draw, rng, 40, 420, 1560, rows=3)
    return image


def containers(draw, rng, left, bottom, right, rows):
    palette = [(180, 50, 40), (40, 90, 160), (60, 130, 80), (220, 170, 40), (120, 120, 120)]
    for row in range(rows):
        y = bottom - row * 40
        for x in range(left, right, 124):
            draw.rectangle([x, y, x + 120, y + 38], fill=rng.choice(palette), outline=INK)


def scene_ferry(rng):
    image = gradient(WIDE, (100, 140, 190), (250, 200, 150))
    draw = ImageDraw.Draw(image)
    sun(draw, (1250, 460), 110, (255, 220, 150))
    draw.rectangle([0, 520, 1600, 900], fill=(40, 80, 110))
    for y in range(540, 900, 30):
        draw.line([(rng.randint(0, 600), y), (rng.randint(900, 1600), y)], fill=(70, 110, 140), width=3)
    draw.polygon([(300, 480), (1220, 480), (1150, 580), (360, 580)], fill=(200, 200, 206))
    draw.rectangle([420, 400, 820, 480], fill=(230, 230, 234))
    draw.rectangle([880, 380, 980, 480], fill=(220, 60, 50))
    for x in range(440, 800, 40):
        draw.rectangle([x, 420, x + 20, 440], fill=(60, 80, 110))
    return image


def scene_rail(rng):
    image = gradient(WIDE, (160, 200, 230), (236, 222, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, 1600, 900], fill=(196, 176, 140))
    for offset in (0, 120, 240):
        draw.line([(0, 640 + offset), (1600, 600 + offset)], fill=(90, 80, 70), width=8)
        draw.line([(0, 670 + offset), (1600, 630 + offset)], fill=(90, 80, 70), width=8)
    containers(draw, rng, 100, 560, 1500, rows=2)
    draw.rectangle([1480, 500, 1600, 600], fill=(30, 110, 70))                 # locomotive
    return image


def scene_trucks(rng):
    image = gradient(WIDE, (150, 190, 220), (240, 236, 226))
    draw = ImageDraw.Draw(image)
    mountains(draw, WIDE, 560, (150, 140, 150), rng, peaks=6, height=0.3)
    draw.polygon([(0, 900), (700, 560), (900, 560), (1600, 900)], fill=(70, 70, 76))
    for i in range(5):
        x, y, s = 660 + i * 30, 560 + i * 60, 1 + i * 0.35
        draw.rectangle([x, y, x + 120 * s, y + 44 * s], fill=rng.choice([(200, 60, 40), (40, 90, 160)]))
    return image


def scene_border(rng):
    image = gradient(WIDE, (190, 210, 230), (226, 214, 186))
    draw = ImageDraw.Draw(image)
    mountains(draw, WIDE, 520, (170, 160, 150), rng, peaks=9, height=0.25)
    draw.rectangle([0, 520, 1600, 900], fill=(200, 186, 150))
    draw.rectangle([600, 300, 1000, 520], fill=(220, 220, 214))
    draw.rectangle([560, 280, 1040, 310], fill=(60, 90, 130))
    for x in range(100, 1500, 140):
        draw.rectangle([x, 700, x + 110, 760], fill=(230, 230, 230), outline=INK)
    return image


def scene_night(rng):
    image = gradient(WIDE, (10, 16, 40), (50, 40, 80))
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        x, y = rng.randint(0, 1600), rng.randint(0, 400)
        draw.point((x, y), fill=WHITE)
    draw.rectangle([0, 600, 1600, 900], fill=(20, 20, 30))
    for x in range(60, 1600, 200):
        draw.line([(x, 600), (x, 300)], fill=(80, 80, 90), width=6)
        draw.polygon([(x - 60, 600), (x, 320), (x + 60, 600)], fill=(255, 220, 120, 60))
    containers(draw, rng, 80, 560, 1520, rows=2)
    return image


def site_icon():
    image = Image.new("RGB", (192, 192), (176, 46, 38))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 150), (60, 110), (110, 130), (192, 90), (192, 192), (0, 192)], fill=(230, 190, 90))
    draw.text((96, 70), "SD", font=font(84), fill=WHITE, anchor="mm")
    return image


SCENES = {
    "summit-tokyo.jpg": scene_summit,
    "minerals-map.jpg": scene_minerals,
    "titr-route-map.jpg": scene_route,
    "astana-skyline.jpg": scene_skyline,
    "toktogul-reservoir.jpg": scene_reservoir,
    "kazakh-grain.jpg": scene_fields,
    "rogun-dam.jpg": scene_dam,
    "quake-map.jpg": scene_quake,
    "tashkent-bazaar.jpg": scene_market,
    "essay-khorgos-rail.jpg": scene_rail,
    "essay-aktau-port.jpg": scene_port,
    "essay-caspian-ferry.jpg": scene_ferry,
    "essay-baku-alat.jpg": scene_night,
    "essay-georgia-trucks.jpg": scene_trucks,
    "essay-border-post.jpg": scene_border,
    "essay-route-map.jpg": lambda rng: scene_route(rng, WIDE, "From Khorgos to the Black Sea"),
}


def main():
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for index, (name, scene) in enumerate(sorted(SCENES.items())):
        path = IMAGES_DIR / name
        scene(random.Random(index)).save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
        total += path.stat().st_size
    icon = IMAGES_DIR / "site-icon.png"
    site_icon().save(icon, "PNG", optimize=True)
    total += icon.stat().st_size
    print(f"wrote {len(SCENES) + 1} images, {total // 1024} KB, into {IMAGES_DIR}")


if __name__ == "__main__":
    main()

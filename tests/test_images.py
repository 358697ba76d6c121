import io

import pytest
from PIL import Image

from reader import images


def _jpeg(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_variants_are_resized_webp_never_enlarged(tmp_path):
    record = images.process(_jpeg(1600, 900), "https://x/a.jpg", tmp_path, widths=[360, 720, 2000],
                            max_pixels=10**8)
    assert [(v["width"], v["height"]) for v in record["variants"]] == [(360, 202), (720, 405), (1600, 900)]
    for variant in record["variants"]:
        with Image.open(tmp_path / variant["file"]) as stored:
            assert stored.format == "WEBP" and stored.width == variant["width"]


def test_same_bytes_make_the_same_files(tmp_path):
    first = images.process(_jpeg(800, 600), "https://x/a.jpg", tmp_path, widths=[360], max_pixels=10**8)
    second = images.process(_jpeg(800, 600), "https://y/b.jpg", tmp_path, widths=[360], max_pixels=10**8)
    assert first["variants"][0]["file"] == second["variants"][0]["file"]


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"<html>not an image</html>", "not an image"),
    (_jpeg(400, 300)[:200], "broken image"),
])
def test_bad_images_are_refused(tmp_path, data, reason):
    with pytest.raises(images.ImageError, match=reason):
        images.process(data, "https://x/bad.jpg", tmp_path, widths=[360], max_pixels=10**8)


def test_pixel_bombs_are_refused(tmp_path):
    with pytest.raises(images.ImageError, match="too large"):
        images.process(_jpeg(3000, 3000), "https://x/big.jpg", tmp_path, widths=[360], max_pixels=10**6)


def test_a_save_that_fails_half_way_leaves_no_file(tmp_path, monkeypatch):
    def full_disk(image, path, *args, **kwargs):
        with open(path, "wb") as out:
            out.write(b"RIFF\0\0")  # what got written before the disk filled
        raise OSError(28, "No space left on device")

    data = _jpeg(800, 600)
    monkeypatch.setattr(Image.Image, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        images.process(data, "https://x/a.jpg", tmp_path, widths=[360], max_pixels=10**8)
    assert list(tmp_path.iterdir()) == []

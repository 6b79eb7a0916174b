"""Photo preparation on real image files made here: camera JPEGs, PNGs, CMYK, broken files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
import weasyprint  # noqa: F401 (imported as in the build: it relaxes Pillow, see below)
from PIL import ExifTags, Image, ImageFile

from parabook.errors import InputError
from parabook.output.photos import MAX_PIXELS, low_resolution, prepare

from .photogen import SECRETS as CAMERA_SECRETS
from .photogen import camera_exif

RED, GREEN, BLUE, GREY = (255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128)
SECRETS = [b"Exif", *CAMERA_SECRETS,
           b"XMP-SECRET", b"COMMENT-SECRET", b"http://ns.adobe.com/xap"]


@pytest.fixture(scope="module")
def camera_jpeg(tmp_path_factory) -> Path:
    """A 12 MP phone photo stored sideways (EXIF orientation 6) with GPS, serial, XMP.

    Orientation 6 means "rotate 90° clockwise to view": the stored first row becomes the
    upright right-hand column, the stored first column the upright top row. So the stored
    top-left corner (red) shows top-right, stored top-right (green) bottom-right, and
    stored bottom-left (blue) top-left.
    """
    image = Image.new("RGB", (4000, 3000), GREY)
    image.paste(RED, (0, 0, 400, 400))
    image.paste(GREEN, (3600, 0, 4000, 400))
    image.paste(BLUE, (0, 2600, 400, 3000))
    exif = camera_exif()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
           b'02/22-rdf-syntax-ns#" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><rdf:Description '
           b'xmp:Label="XMP-SECRET"/></rdf:RDF></x:xmpmeta>')
    path = tmp_path_factory.mktemp("camera") / "IMG_0001.jpg"
    image.save(path, quality=90, exif=exif, xmp=xmp, comment=b"COMMENT-SECRET")

    # The test photo really carries what must be removed.
    data = path.read_bytes()
    assert all(secret in data for secret in SECRETS)
    with Image.open(path) as saved:
        assert saved.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude]
    return path


def colour_at(image: Image.Image, fx: float, fy: float) -> tuple[int, int, int]:
    return image.getpixel((round(fx * (image.width - 1)), round(fy * (image.height - 1))))


def assert_colour(actual, expected, tolerance=30):
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), \
        f"{actual} is not {expected}"


def assert_clean(path: Path) -> None:
    data = path.read_bytes()
    assert [secret for secret in SECRETS if secret in data] == []
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert dict(image.getexif()) == {}
        assert {"exif", "xmp", "comment", "icc_profile"}.isdisjoint(image.info)


def test_camera_photo_for_email_is_upright_small_and_stripped(camera_jpeg, tmp_path):
    photo = prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=tmp_path / "cache")

    assert photo.path.parent == tmp_path / "cache"
    assert photo.source_px == (3000, 4000)
    # 120 mm at 150 dpi is 708.7 px: at most 709 wide, the upright aspect kept.
    assert (photo.width_px, photo.height_px) == (708, 944)
    assert photo.effective_dpi == pytest.approx(3000 / (120 / 25.4), abs=0.1)
    assert_clean(photo.path)
    with Image.open(photo.path) as image:
        assert image.size == (708, 944)
        assert_colour(colour_at(image, 0.97, 0.02), RED)     # top right
        assert_colour(colour_at(image, 0.97, 0.98), GREEN)   # bottom right
        assert_colour(colour_at(image, 0.03, 0.02), BLUE)    # top left
        assert_colour(colour_at(image, 0.03, 0.98), GREY)    # bottom left
        assert_colour(colour_at(image, 0.5, 0.5), GREY)


def test_camera_photo_for_print_keeps_every_pixel(camera_jpeg, tmp_path):
    photo = prepare(camera_jpeg, placed_width_mm=120, dpi=None, cache_dir=tmp_path)

    assert (photo.width_px, photo.height_px) == (3000, 4000)
    assert_clean(photo.path)
    with Image.open(photo.path) as image:
        assert image.size == (3000, 4000)
        assert_colour(colour_at(image, 0.99, 0.01), RED)
        assert_colour(colour_at(image, 0.01, 0.01), BLUE)


def test_a_small_photo_is_never_enlarged(tmp_path):
    src = tmp_path / "small.jpg"
    Image.new("RGB", (300, 200), GREY).save(src)
    photo = prepare(src, placed_width_mm=120, dpi=150, cache_dir=tmp_path / "cache")
    assert (photo.width_px, photo.height_px) == (300, 200)


def test_crop_to_an_aspect_ratio_around_the_focus(camera_jpeg, tmp_path):
    # Upright 3000×4000; 3:2 is the full width and 2000 rows, here the top of the photo.
    top = prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=tmp_path,
                  crop=(3, 2), focus=(0.5, 0.1))
    assert (top.width_px, top.height_px) == (708, 472)
    with Image.open(top.path) as image:
        assert_colour(colour_at(image, 0.98, 0.02), RED)
        assert_colour(colour_at(image, 0.98, 0.98), GREY)   # green is cut away

    # A focus near the bottom edge: the box is moved back inside the photo.
    bottom = prepare(camera_jpeg, placed_width_mm=120, dpi=None, cache_dir=tmp_path,
                     crop=(3, 2), focus=(0.5, 1.0))
    assert (bottom.width_px, bottom.height_px) == (3000, 2000)
    with Image.open(bottom.path) as image:
        assert_colour(colour_at(image, 0.99, 0.99), GREEN)
        assert_colour(colour_at(image, 0.99, 0.01), GREY)

    # A square in the top-right corner: only 3000 px wide of the original are used.
    square = prepare(camera_jpeg, placed_width_mm=60, dpi=None, cache_dir=tmp_path,
                     crop=(1, 1), focus=(1.0, 0.0))
    assert (square.width_px, square.height_px) == (3000, 3000)
    assert square.effective_dpi == pytest.approx(3000 / (60 / 25.4), abs=0.1)


def test_transparent_png_is_flattened_on_white(tmp_path):
    src = tmp_path / "logo.png"
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (100, 0, 200, 100))
    image.save(src)
    photo = prepare(src, placed_width_mm=40, dpi=None, cache_dir=tmp_path)
    assert_clean(photo.path)
    with Image.open(photo.path) as out:
        assert_colour(out.getpixel((20, 50)), (255, 255, 255), tolerance=3)
        assert_colour(out.getpixel((180, 50)), BLUE)


def test_palette_png_with_a_transparent_colour(tmp_path):
    src = tmp_path / "chart.png"
    image = Image.new("P", (100, 100), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (50, 0, 100, 100))
    image.save(src, transparency=0)
    photo = prepare(src, placed_width_mm=40, dpi=150, cache_dir=tmp_path)
    with Image.open(photo.path) as out:
        assert out.mode == "RGB"
        assert_colour(out.getpixel((5, 50)), (255, 255, 255), tolerance=3)
        assert_colour(out.getpixel((95, 50)), RED)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    src = tmp_path / "scan.jpg"
    # Pillow writes CMYK JPEGs Adobe-style (inverted, with the APP14 marker), like Photoshop.
    Image.new("CMYK", (120, 80), (0, 255, 255, 0)).save(src, quality=95)
    with Image.open(src) as check:
        assert check.mode == "CMYK"
        assert b"Adobe" in src.read_bytes()
    photo = prepare(src, placed_width_mm=40, dpi=150, cache_dir=tmp_path)
    assert_clean(photo.path)
    with Image.open(photo.path) as out:
        assert_colour(colour_at(out, 0.5, 0.5), RED)


def swapped_primaries_profile() -> bytes:
    """A minimal ICC v2 RGB profile whose red primary is sRGB's green and vice versa.

    A pure red pixel tagged with it is, in sRGB, pure green: proof that the profile was
    used, not ignored.
    """
    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    text = b"swapped red and green\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    # sRGB's primaries adapted to D50, as ICC profiles store them.
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
            (b"rTRC", gamma), (b"gTRC", gamma), (b"bTRC", gamma)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"none" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + bytes(12) + b"acsp" + bytes(24) + struct.pack(">I", 0)
              + struct.pack(">3i", *(round(v * 65536) for v in (0.9642, 1.0, 0.8249)))
              + bytes(48))
    assert len(header) == 128
    return header + table + body


def test_embedded_colour_profile_is_converted_to_srgb(tmp_path):
    src = tmp_path / "tagged.jpg"
    Image.new("RGB", (64, 64), RED).save(src, quality=95, icc_profile=swapped_primaries_profile())
    photo = prepare(src, placed_width_mm=40, dpi=None, cache_dir=tmp_path)
    assert_clean(photo.path)
    with Image.open(photo.path) as out:
        assert_colour(out.getpixel((32, 32)), GREEN, tolerance=40)


def test_greyscale_photos_become_rgb(tmp_path):
    grey8, grey16 = tmp_path / "grey.jpg", tmp_path / "grey16.png"
    Image.new("L", (50, 50), 200).save(grey8)
    Image.new("I;16", (50, 50), 65535).save(grey16)
    for src, expected in [(grey8, (200, 200, 200)), (grey16, (255, 255, 255))]:
        photo = prepare(src, placed_width_mm=40, dpi=None, cache_dir=tmp_path)
        with Image.open(photo.path) as out:
            assert out.mode == "RGB"
            assert_colour(out.getpixel((25, 25)), expected, tolerance=3)


def test_second_call_is_served_from_the_cache_without_decoding(camera_jpeg, tmp_path):
    cache = tmp_path / "cache"
    stats = Image.core.get_stats
    before = stats()["new_count"]
    first = prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=cache)
    after_first = stats()["new_count"]
    assert after_first > before  # the counter does see decoding
    written = first.path.stat()

    second = prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=cache)

    assert second == first
    assert stats()["new_count"] == after_first  # Pillow made no image at all
    again = second.path.stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    # Another option is another file; nothing else is left in the folder.
    other = prepare(camera_jpeg, placed_width_mm=100, dpi=150, cache_dir=cache)
    assert other.path != first.path
    assert sorted(p.suffix for p in cache.iterdir()) == [".jpg", ".jpg", ".json", ".json"]


def test_changed_photo_bytes_are_a_cache_miss(tmp_path):
    src = tmp_path / "photo.jpg"
    Image.new("RGB", (60, 40), RED).save(src)
    first = prepare(src, placed_width_mm=40, dpi=150, cache_dir=tmp_path / "cache")
    Image.new("RGB", (60, 40), BLUE).save(src)
    second = prepare(src, placed_width_mm=40, dpi=150, cache_dir=tmp_path / "cache")
    assert second.path != first.path
    with Image.open(second.path) as out:
        assert_colour(out.getpixel((30, 20)), BLUE)


def test_low_resolution_warning(camera_jpeg, tmp_path):
    small = tmp_path / "small.jpg"
    Image.new("RGB", (600, 400), GREY).save(small)
    coarse = prepare(small, placed_width_mm=120, dpi=None, cache_dir=tmp_path)
    fine = prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=tmp_path)

    found = low_resolution(coarse, Path("source.zh.md"), 12)
    assert found is not None and found.code == "photo.low-resolution"
    warning = str(found)
    assert warning.startswith("source.zh.md:12: photo ")
    assert "small.jpg" in warning
    assert "127 dpi" in warning  # 600 px over 120 mm
    assert "945 px" in warning   # what 200 dpi needs
    assert low_resolution(fine, Path("source.zh.md"), 14) is None


def noisy_jpeg(path: Path) -> Path:
    Image.effect_noise((400, 300), 80).convert("RGB").save(path, quality=90)
    return path


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size and has almost no pixel data: a bomb costs nothing here."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def bad_photos(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(noisy_jpeg(folder / "whole.jpg").read_bytes()[:9000])
    made = {"truncated": truncated}
    made["text"] = folder / "notes.jpg"
    made["text"].write_text("These are my notes, not a photo.\n")
    made["heic"] = folder / "IMG_0002.jpg"
    made["heic"].write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(64))
    made["pcx"] = folder / "old.jpg"
    Image.new("RGB", (20, 20), RED).save(made["pcx"], "PCX")
    made["bomb"] = folder / "bomb.png"
    made["bomb"].write_bytes(png_header(20_000, 20_000))  # 400 MP: Pillow refuses outright
    made["large"] = folder / "large.png"
    made["large"].write_bytes(png_header(11_000, 10_000))  # 110 MP: Pillow only warns
    made["strip"] = folder / "strip.png"
    made["strip"].write_bytes(png_header(1, 65_000))  # would be placed 0.0 mm wide
    return made


@pytest.mark.parametrize(("kind", "dpi", "problem", "fix"), [
    ("truncated", 150, "damaged or incomplete", "copy the photo"),
    ("truncated", None, "damaged or incomplete", "copy the photo"),
    ("text", 150, "not an image file", "re-export the photo as JPEG"),
    ("heic", 150, "HEIC", "export it as JPEG"),
    ("pcx", 150, "is a PCX image", "re-export the photo as JPEG"),
    ("bomb", 150, "400 megapixels, over the limit of 100", "shrink it"),
    ("large", None, "11000×10000 pixels (110 megapixels), over the limit of 100", "shrink it"),
    ("strip", 150, "has 1×65000 pixels, a strip too thin to print (the limit is 20:1)",
     "cut it to the part that matters in a photo editor, or give the figure a crop"),
    ("strip", None, "a strip too thin to print", "or give the figure a crop"),
])
def test_unusable_photos_are_input_errors(tmp_path, kind, dpi, problem, fix):
    src = bad_photos(tmp_path / "photos")[kind]
    with pytest.raises(InputError) as caught:
        prepare(src, placed_width_mm=120, dpi=dpi, cache_dir=tmp_path / "cache")
    error = caught.value
    assert error.path == src
    assert problem in error.problem
    assert fix in error.fix
    assert src.name in str(error)
    assert error.exit_code == 2
    assert not (tmp_path / "cache").exists()


def test_truncated_photo_is_refused_although_weasyprint_relaxed_pillow(tmp_path):
    # WeasyPrint sets this process-wide on import; prepare() must not inherit it.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    src = bad_photos(tmp_path / "photos")["truncated"]
    with pytest.raises(InputError, match="truncated"):
        prepare(src, placed_width_mm=120, dpi=None, cache_dir=tmp_path / "cache")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # given back to WeasyPrint


def test_errors_point_at_the_manuscript_line_when_given(tmp_path):
    src = bad_photos(tmp_path / "photos")["text"]
    manuscript = tmp_path / "source.zh.md"
    with pytest.raises(InputError) as caught:
        prepare(src, placed_width_mm=120, dpi=150, cache_dir=tmp_path / "cache",
                manuscript=manuscript, line=12)
    assert (caught.value.path, caught.value.line) == (manuscript, 12)
    assert str(caught.value).startswith(f"{manuscript}:12: photo {src} is not an image file")


def test_bad_crop_options_point_at_the_manuscript_line(tmp_path):
    src = tmp_path / "photo.jpg"
    Image.new("RGB", (60, 40), RED).save(src)
    manuscript = tmp_path / "source.zh.md"
    for options in [{"crop": (3, 0)}, {"crop": (3, 2), "focus": (1.5, 0.5)}, {"crop": (1, 21)},
                    {"crop": (999, 1)}]:
        with pytest.raises(InputError) as caught:
            prepare(src, placed_width_mm=40, dpi=150, cache_dir=tmp_path, manuscript=manuscript,
                    line=7, **options)
        assert (caught.value.path, caught.value.line) == (manuscript, 7)
        assert caught.value.fix


def test_missing_photo_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        prepare(tmp_path / "gone.jpg", placed_width_mm=40, dpi=150, cache_dir=tmp_path)
    assert "cannot be read" in caught.value.problem


def test_limit_is_100_megapixels():
    assert MAX_PIXELS == 100_000_000


def test_print_photos_are_one_file_for_every_placed_width(camera_jpeg, tmp_path):
    """Full resolution is the same file whatever the width; only the resolution differs."""
    wide = prepare(camera_jpeg, placed_width_mm=120, dpi=None, cache_dir=tmp_path)
    narrow = prepare(camera_jpeg, placed_width_mm=60, dpi=None, cache_dir=tmp_path)
    assert wide.path == narrow.path
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".jpg", ".json"]
    assert narrow.effective_dpi == pytest.approx(2 * wide.effective_dpi, abs=0.02)
    assert wide.effective_dpi == pytest.approx(3000 / (120 / 25.4), abs=0.01)
    # Screen photos do depend on the width.
    assert prepare(camera_jpeg, placed_width_mm=120, dpi=150, cache_dir=tmp_path).path != \
        prepare(camera_jpeg, placed_width_mm=60, dpi=150, cache_dir=tmp_path).path


def test_the_cache_is_pruned_by_last_use(tmp_path):
    import os

    from parabook.infra.cache import prune_folder

    cache = tmp_path / "cache"
    paths = []
    for number, colour in enumerate((RED, GREEN, BLUE)):
        src = tmp_path / f"{number}.png"
        Image.new("RGB", (300, 200), colour).save(src)
        paths.append(src)
        prepare(src, placed_width_mm=40, dpi=150, cache_dir=cache)
    # Make the files look old, then use the first photo again: it is now the newest.
    for entry in cache.iterdir():
        os.utime(entry, (1_000_000, 1_000_000))
    kept = prepare(paths[0], placed_width_mm=40, dpi=150, cache_dir=cache)
    sizes = {entry: entry.stat().st_size for entry in cache.iterdir()}
    budget = kept.path.stat().st_size + kept.path.with_suffix(".json").stat().st_size
    assert prune_folder(cache, budget) == 4
    assert sorted(cache.iterdir()) == sorted([kept.path, kept.path.with_suffix(".json")])
    assert sum(sizes.values()) > budget
    assert prune_folder(tmp_path / "nothing-here", 0) == 0

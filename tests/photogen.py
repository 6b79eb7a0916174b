"""Generated photos for tests and benchmarks: camera-like JPEGs with the metadata no output
may carry, and the sample book's set of them."""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image, ImageFilter

SECRETS = [b"SERIAL-4711-SECRET", b"GPS-DATUM-SECRET", b"ParabookCam"]


def camera_exif() -> Image.Exif:
    """EXIF as a phone writes it: stored sideways (orientation 6), make, serial, GPS."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "ParabookCam"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SERIAL-4711-SECRET"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 18.0, 25.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 18.0, 36.0)
    gps[ExifTags.GPS.GPSMapDatum] = "GPS-DATUM-SECRET"
    return exif


RED = (220, 20, 20)
SAMPLE = "chuzhou-2021"


def camera_photo(path: Path, shade: int) -> None:
    """A 12-megapixel phone photo stored sideways (EXIF orientation 6) with GPS and a
    serial number. Texture like a real photo; a red block at the stored top-left corner
    shows at the top-right once upright."""
    noise = Image.effect_noise((1000, 750), 60).filter(ImageFilter.GaussianBlur(1.2))
    texture = noise.resize((4000, 3000), Image.Resampling.BICUBIC)
    image = Image.merge("RGB", (texture, texture.point(lambda v: (v + shade) % 256),
                                texture.point(lambda v: 255 - v)))
    image.paste(RED, (0, 0, 600, 600))
    image.save(path, quality=92, exif=camera_exif())


def add_photos(project: Path) -> None:
    photos = project / "book" / SAMPLE / "photos"
    for number in range(1, 8):
        camera_photo(photos / f"{number:02d}.jpg", shade=number * 30)
    # 08: a PNG with a transparent left half (flattened on white).
    png = Image.new("RGBA", (1600, 1200), (20, 120, 40, 255))
    png.paste((0, 0, 0, 0), (0, 0, 800, 1200))
    png.save(photos / "08.png")
    source = project / "book" / SAMPLE / "source.zh.md"
    text = source.read_text(encoding="utf-8").replace("photos/08.jpg", "photos/08.png")
    # 09 and 10 are captions in a row: half width, side by side; 10 is cropped square.
    text = text.replace("(photos/09.jpg)", '(photos/09.jpg "half")')
    text = text.replace("(photos/10.jpg)", '(photos/10.jpg "half crop=1:1 focus=50%,50%")')
    source.write_text(text, encoding="utf-8")
    # 09: a CMYK JPEG (pure cyan); 10: a small photo, too coarse for print.
    Image.new("CMYK", (2000, 1500), (255, 0, 0, 0)).save(photos / "09.jpg", quality=90)
    Image.new("RGB", (300, 300), (200, 160, 40)).save(photos / "10.jpg", quality=90)


def distinct_copy(source: Path, target: Path, tag: str) -> None:
    """A copy of a JPEG with a comment segment after its start marker: other bytes (another
    cache entry), the same pixels, as costly to prepare as the original."""
    data = source.read_bytes()
    comment = f"parabook benchmark photo {tag}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    target.write_bytes(data[:2] + segment + data[2:])

"""Prepare photos for layout: upright, sRGB, no metadata, and small enough for the output.

Photos come straight from phones and cameras: rotated by an EXIF tag, in Display P3,
Adobe RGB or CMYK, carrying GPS positions and serial numbers, sometimes broken.
`prepare()` turns one into a plain JPEG in a cache folder, which the template places:

    photo = prepare(src, placed_width_mm=120, dpi=150, cache_dir=cache,
                    manuscript=source_md, line=12, crop=(3, 2), focus=(0.5, 0.3))
    photo.path            # cache_dir/<sha256>.jpg, RGB, no EXIF/GPS/XMP/comments/ICC
    low_resolution_warning(photo, "source.zh.md:12")   # None, or a sentence to show

What happens, in order:

1. The header is read and checked first: the pixel count (at most `MAX_PIXELS`), the
   format (`FORMATS`). Nothing is decoded before that, so a decompression bomb costs a
   few bytes of reading.
2. Decoding: for a JPEG that will be shrunk, `Image.draft()` lets libjpeg decode at
   1/2, 1/4 or 1/8 scale, never below the size needed.
3. Orientation from EXIF (`ImageOps.exif_transpose`); palette, 1-bit and 16-bit images
   to 8 bits; transparency flattened on white.
4. `crop=(w, h)`: cut the upright photo to that aspect ratio, as large as it fits, centred
   on `focus=(x, y)` (fractions of the width and height, (0.5, 0.5) is the middle) and
   shifted back inside the photo where the centre is too near an edge.
5. `dpi=None` keeps every pixel (print; `max_dpi` caps it); `dpi=150` shrinks (Lanczos after a fast
   `reduce()`) so the width is at most `placed_width_mm / 25.4 * dpi`. Never enlarged.
6. Colour: an embedded ICC profile is converted to sRGB with LittleCMS (perceptual);
   without one, CMYK is converted by Pillow's formula and anything else is taken as sRGB.
7. Re-encoded as a baseline JPEG: quality `PRINT_QUALITY` for `dpi=None`, otherwise
   `SCREEN_QUALITY`. The output carries no metadata at all, not even an sRGB profile:
   untagged RGB is sRGB to every viewer and to WeasyPrint, and leaving it out keeps the
   bytes identical between runs.

The cache key is the SHA-256 of `VERSION`, the options that change the pixels and the source
bytes. For print without `max_dpi` the placed width changes nothing but the reported
resolution, so it is left out of the key: one full-resolution file serves every width. The result is
`cache_dir/<key>.jpg` plus `<key>.json` (sizes, and the crop's width in pixels from which
the resolution at any printed width follows), each written atomically, the JSON last; when
both exist a call reads and hashes the source and returns without opening it as an image.
Bump `VERSION` whenever the output for the same input changes. A hit touches both files,
so the build can prune the folder by last use (`prune_cache`).

Every problem with a photo is an `InputError` naming the photo (and the manuscript line
when given), what is wrong and how to fix it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from parabook.diagnostics import Diagnostic
from parabook.errors import InputError, display_path
from parabook.infra.cache import touch_used
from parabook.infra.fsutil import write_atomic

VERSION = "4"
"""Part of the cache key: bump it when the same input should give a different output."""

MAX_PIXELS = 100_000_000
"""Larger photos are refused before decoding (a 100 MP photo needs 300 MB of memory)."""
MAX_BYTES = 200 * 2**20
"""A photo file larger than this is refused before it is read."""

MAX_ASPECT = 20
"""Longest side over shortest, of a photo or its crop: a thinner strip prints as a line
(a 1×65000 photo would be 0.0 mm wide)."""

FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP")
"""Pillow formats accepted. Phone JPEGs with a depth map open as MPO, through JPEG."""

PRINT_QUALITY = 92
SCREEN_QUALITY = 65

MM_PER_INCH = 25.4

_FIX_EXPORT = "re-export the photo as JPEG (sRGB) from the phone, camera or photo editor"
_FIX_COPY = ("copy the photo from the phone or camera again (the file is damaged), "
             "or re-export it as JPEG")


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to place: where the prepared file is and how it relates to the original."""

    path: Path
    """The prepared file, `cache_dir/<key>.jpg`: RGB JPEG without any metadata."""
    width_px: int
    """Width of the prepared file."""
    height_px: int
    """Height of the prepared file."""
    source: Path
    """The original photo, as passed to `prepare()`."""
    source_px: tuple[int, int]
    """Width and height of the original once upright (before the crop)."""
    placed_width_mm: float
    """Printed width the photo was prepared for."""
    effective_dpi: float
    """Pixels per inch of the original (after the crop) at the printed width."""


def prepare(src: Path, *, placed_width_mm: float, dpi: int | None, cache_dir: Path,
            manuscript: Path | None = None, line: int | None = None,
            crop: tuple[float, float] | None = None,
            focus: tuple[float, float] = (0.5, 0.5),
            max_dpi: int | None = None) -> PreparedPhoto:
    """Return `src` prepared for a print (`dpi=None`) or screen/e-mail (`dpi=150`) PDF.

    `max_dpi` (print only): shrink to at most this resolution at the placed width, at
    print quality; a press gains nothing past 300-400 ppi, and the file grows.

    `crop` and `focus` come from the manuscript, so bad values are reported at
    `manuscript:line`; `placed_width_mm` and `dpi` come from the program and must be > 0.
    """
    if placed_width_mm <= 0 or (dpi is not None and dpi <= 0):
        raise ValueError(f"placed_width_mm={placed_width_mm} and dpi={dpi} must be positive")
    fail = _reporter(src, manuscript, line)
    _check_options(crop, focus, fail)

    try:
        size = src.stat().st_size
        if size > MAX_BYTES:  # read whole below: refuse before it fills the memory
            raise fail(f"is {size / 2**20:,.0f} MB, over the limit of {MAX_BYTES // 2**20} MB",
                       "export it again as a JPEG; a camera photo is 2-15 MB")
        data = src.read_bytes()
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})",
                   "check that the file exists and is readable") from exc

    # Print keeps every pixel whatever the width: one file for every placed width.
    size_dpi = dpi if dpi is not None else max_dpi
    options = {"placed_width_mm": float(placed_width_mm) if size_dpi is not None else None,
               "dpi": dpi, **({"max_dpi": max_dpi} if dpi is None and max_dpi else {}),
               "crop": [float(v) for v in crop] if crop else None,
               "focus": [float(v) for v in focus] if crop else None}
    digest = hashlib.sha256(f"parabook.output.photos {VERSION}\n".encode())
    digest.update(json.dumps(options, sort_keys=True).encode() + b"\n")
    digest.update(data)
    key = digest.hexdigest()
    output, sidecar = cache_dir / f"{key}.jpg", cache_dir / f"{key}.json"

    cached = _read_sidecar(sidecar) if output.is_file() else None
    if cached is None:
        cached = _render(data, output, placed_width_mm, size_dpi, crop, focus, fail,
                         PRINT_QUALITY if dpi is None else SCREEN_QUALITY)
        # Written after the JPEG: a sidecar always describes a complete file.
        write_atomic(sidecar, json.dumps(cached, sort_keys=True) + "\n")
    else:
        touch_used(output, sidecar)
    return PreparedPhoto(path=output, width_px=cached["width_px"], height_px=cached["height_px"],
                         source=src, source_px=tuple(cached["source_px"]),
                         placed_width_mm=placed_width_mm,
                         effective_dpi=round(cached["crop_px"] / (placed_width_mm / MM_PER_INCH),
                                             2))


def low_resolution(photo: PreparedPhoto, manuscript: Path, line: int | None,
                   minimum_dpi: int = 200) -> Diagnostic | None:
    """A warning for the build report when the original is too coarse to print sharply;
    the photo is named at `manuscript:line`."""
    if photo.effective_dpi >= minimum_dpi:
        return None
    used_px = round(photo.effective_dpi * photo.placed_width_mm / MM_PER_INCH)
    needed_px = math.ceil(photo.placed_width_mm / MM_PER_INCH * minimum_dpi)
    largest_mm = used_px / minimum_dpi * MM_PER_INCH
    return Diagnostic(
        manuscript, line, "warning", "photo.low-resolution",
        f"photo {display_path(photo.source)} has only {photo.effective_dpi:.0f} dpi at its "
        f"printed width of {photo.placed_width_mm:g} mm ({used_px} px wide); print needs "
        f"{minimum_dpi} dpi. Use the original photo, at least {needed_px} px wide, or print "
        f"it at most {largest_mm:.0f} mm wide")


def _reporter(src: Path, manuscript: Path | None, line: int | None):
    """Build InputErrors that name the photo, at the manuscript line when there is one."""
    def fail(problem: str, fix: str) -> InputError:
        if manuscript is not None:
            return InputError(f"photo {display_path(src)} {problem}", path=manuscript,
                              line=line, fix=fix)
        return InputError(f"photo {problem}", path=src, fix=fix)
    return fail


def _check_options(crop, focus, fail) -> None:
    if crop is not None and (len(crop) != 2 or not all(_finite(v) and v > 0 for v in crop)):
        raise fail(f"has crop {crop!r}, which is not an aspect ratio",
                   "write the crop as two positive numbers, width and height, e.g. 3:2")
    if crop is not None and not is_printable_shape(*crop):
        raise fail(f"has crop {crop[0]}:{crop[1]}, a strip too thin to print (the limit is "
                   f"{MAX_ASPECT}:1)", f"choose a crop between 1:{MAX_ASPECT} and {MAX_ASPECT}:1")
    if len(focus) != 2 or not all(_finite(v) and 0 <= v <= 1 for v in focus):
        raise fail(f"has focus {focus!r}, outside the photo",
                   "write the focus as two fractions from 0 to 1 (x from the left, y from "
                   "the top), e.g. 0.5,0.3")


def is_printable_shape(width: float, height: float) -> bool:
    """Whether a photo or crop of this width and height is at most `MAX_ASPECT`:1."""
    return max(width, height) <= MAX_ASPECT * min(width, height)


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _read_sidecar(path: Path) -> dict | None:
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        return {"width_px": int(cached["width_px"]), "height_px": int(cached["height_px"]),
                "source_px": [int(v) for v in cached["source_px"]],
                "crop_px": int(cached["crop_px"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: render again


def _render(data: bytes, output: Path, placed_width_mm: float, dpi: int | None,
            crop, focus, fail, quality: int) -> dict:
    image = _open_checked(data, fail)
    if crop is None and not is_printable_shape(*image.size):
        raise fail(f"has {image.width}×{image.height} pixels, a strip too thin to print (the "
                   f"limit is {MAX_ASPECT}:1)", "cut it to the part that matters in a photo "
                   'editor, or give the figure a crop: ![说明](photos/NN.jpg "crop=3:2")')
    icc = image.info.get("icc_profile")
    upright = None
    if image.format in ("JPEG", "MPO") and dpi is not None:
        # The EXIF block is in a JPEG's header, so the upright size is known before decoding.
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        upright = image.size[::-1] if turned else image.size
        box, size = _plan(upright, placed_width_mm, dpi, crop, focus)
        scale = size[0] / (box[2] - box[0])
        if scale < 1:
            # libjpeg scales by 1/2, 1/4 or 1/8 while decoding, never below the size asked.
            image.draft(None, (math.ceil(image.width * scale), math.ceil(image.height * scale)))

    try:
        with _strict_decoding():
            image.load()
    except Exception as exc:  # broken files raise OSError, SyntaxError, struct.error, ...
        raise fail(f"is damaged or incomplete ({exc})", _FIX_COPY) from exc

    ImageOps.exif_transpose(image, in_place=True)
    if upright is None:  # not drafted: the decoded image is the original
        upright = image.size
    box, size = _plan(upright, placed_width_mm, dpi, crop, focus)
    image = _flatten(_to_8bit(image, fail))
    # A drafted image is 1/2..1/8 of the original: scale the box to it.
    fx, fy = image.width / upright[0], image.height / upright[1]
    scaled = (box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy)
    if size == image.size and scaled == (0, 0, *image.size):
        pass
    elif (fx, fy) == (1, 1) and size == (box[2] - box[0], box[3] - box[1]):
        image = image.crop(box)
    else:
        image = image.resize(size, Image.Resampling.LANCZOS, box=scaled, reducing_gap=3.0)
    image = _to_srgb(image, icc, fail)

    image.info = {}  # Pillow's JPEG writer falls back to the source's comment otherwise
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    write_atomic(output, buffer.getvalue())
    return {"width_px": image.width, "height_px": image.height, "source_px": list(upright),
            "crop_px": box[2] - box[0]}


@contextmanager
def _strict_decoding():
    """Make Pillow raise on a truncated file for the duration of one decode.

    WeasyPrint sets `ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole process when
    it is imported, which would turn half a photo into grey without a word. The flag is
    a module global: this is fine for the single-threaded build, not for threads.
    """
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _plan(upright: tuple[int, int], placed_width_mm: float, dpi: int | None, crop,
          focus) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """The crop box in the upright original, and the size of the prepared photo."""
    box = _crop_box(upright, crop, focus)
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    if dpi is None:
        return box, (crop_w, crop_h)
    width = max(1, min(crop_w, math.floor(placed_width_mm / MM_PER_INCH * dpi)))
    return box, (width, max(1, round(width * crop_h / crop_w)))


def _open_checked(data: bytes, fail) -> Image.Image:
    """Open the header only; refuse unknown formats and oversized photos before decoding."""
    kind = _sniff(data)
    if kind == "HEIC":
        raise fail("is a HEIC/HEIF photo (the iPhone default), which the booklet cannot use",
                   "export it as JPEG, e.g. by e-mailing it from the phone, or set the iPhone "
                   "to Settings > Camera > Formats > Most Compatible")
    try:
        with warnings.catch_warnings():
            # Pillow warns above 89 MP; our own limit is checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow refuses before we see the size; its message has the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(found[1]) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise fail(f"has {count}, over the limit of {MAX_PIXELS // 1_000_000}",
                   _fix_size()) from exc
    except UnidentifiedImageError as exc:
        other = _identify(data)
        if other:
            raise fail(f"is a {other} image, which the booklet does not take",
                       _FIX_EXPORT) from exc
        raise fail("is not an image file (or a kind the booklet does not know), whatever its "
                   "name says", _FIX_EXPORT) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise fail(f"is damaged ({exc})", _FIX_COPY) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise fail(f"has {width}×{height} pixels ({width * height / 1e6:.0f} megapixels), over "
                   f"the limit of {MAX_PIXELS // 1_000_000}", _fix_size())
    if width < 1 or height < 1:
        raise fail(f"has no pixels ({width}×{height})", _FIX_COPY)
    return image


def _fix_size() -> str:
    return (f"shrink it to at most {MAX_PIXELS // 1_000_000} megapixels, e.g. 8000 px on the "
            "long side, and export it as JPEG")


def _sniff(data: bytes) -> str | None:
    # HEIF files are ISO boxes: size, then `ftyp` and the brand. Pillow cannot read them.
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis",
                                               b"mif1", b"msf1"):
        return "HEIC"
    return None


def _identify(data: bytes) -> str | None:
    """Name the format of an image Pillow knows but the booklet does not take."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as other:
                return other.format
    except Exception:  # noqa: BLE001 (only naming the format; failure means "unknown")
        return None


def _crop_box(size: tuple[int, int], crop, focus) -> tuple[int, int, int, int]:
    """The largest box of aspect `crop` centred on `focus`, moved back inside the image."""
    width, height = size
    if crop is None:
        return (0, 0, width, height)
    ratio = crop[0] / crop[1]
    if width / height > ratio:
        box_w, box_h = max(1, round(height * ratio)), height
    else:
        box_w, box_h = width, max(1, round(width / ratio))
    left = min(max(focus[0] * width - box_w / 2, 0), width - box_w)
    top = min(max(focus[1] * height - box_h / 2, 0), height - box_h)
    left, top = round(left), round(top)
    return (left, top, left + box_w, top + box_h)


def _to_8bit(image: Image.Image, fail) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB, RGBA or CMYK (transparency kept)."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        # 16-bit or float greys: scale to 0..255 rather than clip.
        peak = 65535 if mode.startswith("I;16") or cast(float, image.getextrema()[1]) > 255 else 255
        return image.convert("F").point(lambda v: v * 255 / peak).convert("L")
    if mode in ("RGBX", "RGBa", "YCbCr"):
        return image.convert("RGBA" if mode == "RGBa" else "RGB")
    if mode == "La":
        return image.convert("LA")
    raise fail(f"uses the colour mode {mode}, which the booklet cannot convert", _FIX_EXPORT)


def _flatten(image: Image.Image) -> Image.Image:
    """Put transparent pixels on white paper, staying in the same colour space."""
    if image.mode in ("LA", "RGBA"):
        base = image.mode[:-1]
        paper = Image.new(base, image.size, "white")
        paper.paste(image.convert(base), mask=image.getchannel("A"))
        return paper
    if "transparency" in image.info:  # L or RGB with one transparent value
        return _flatten(image.convert("LA" if image.mode == "L" else "RGBA"))
    return image


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


_ICC_SPACES = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}


def _to_srgb(image: Image.Image, icc: bytes | None, fail) -> Image.Image:
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            space = profile.profile.xcolor_space.strip()
            if space != _ICC_SPACES.get(image.mode):
                raise ImageCms.PyCMSError(f"a {space} profile on a {image.mode} image")
            return cast(Image.Image, ImageCms.profileToProfile(  # None only when in place
                image, profile, _srgb(), outputMode="RGB",
                renderingIntent=ImageCms.Intent.PERCEPTUAL))
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            raise fail(f"has a colour profile that cannot be used ({exc})", _FIX_EXPORT) from exc
    if image.mode == "RGB":
        return image
    return image.convert("RGB")  # CMYK by Pillow's formula; L repeated in R, G and B

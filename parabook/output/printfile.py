"""Finish the print PDF for an offset press: one-plate black, real crop marks, PDF/X-4.

    finish_print(Path("dist/book.print.pdf"))               # in place, atomically
    finish_print(path, pdfx=True)                           # PDF/X-4, CMYK output intent

WeasyPrint writes every colour as DeviceRGB (`r g b rg`). On a CMYK press a
DeviceRGB black becomes four-colour black, and 10-pt Song blurs with any misregister.
So every colour operator in the page content (and in the form XObjects it draws) is
rewritten: a neutral grey, black included, becomes DeviceGray (`v g`), which the press
prints on the black plate alone; any other colour (a draft's tint) becomes DeviceCMYK
by the naive formula. Photos are images, not operators: they stay sRGB.

WeasyPrint's own crop marks (`marks: crop`) are 1.5 mm long and 0.75 pt thick and sit
inside the 3 mm bleed, where the guillotine cuts through them. They are drawn here
instead, as printers expect: hairlines (`MARK_WIDTH_PT`), `MARK_LENGTH_MM` long,
starting `MARK_GAP_MM` outside the BleedBox, in the registration colour (`/All`: on
every plate), with the MediaBox enlarged by a slug that holds them.

`pdfx=True` adds what PDF/X-4 (ISO 15930-7) asks of a file: an output intent with an
embedded CMYK printer profile (`CMYK_PROFILES`; Ghostscript's `default_cmyk.icc`),
`GTS_PDFXVersion` in the Info dictionary and in XMP, `Trapped`, dates, photos and
blending spaces tagged as ICC-based sRGB instead of DeviceRGB (X-4 allows no device
RGB under a CMYK intent), and no annotations (links mean nothing on paper).
`check_pdfx` lists what a file lacks; tests/test_printfile.py runs it, since no
free PDF/X validator installs from the registries here.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pikepdf
from PIL import ImageCms

from parabook.errors import SetupError

PT_PER_MM = 72 / 25.4
MARK_WIDTH_PT = 0.25
MARK_LENGTH_MM = 6.0
MARK_GAP_MM = 1.0
"""Between the BleedBox and the start of a mark."""
SLUG_MM = 2.0
"""Beyond the marks' ends, to the MediaBox."""

CMYK_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                 Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))
"""CMYK printer profiles for the PDF/X output intent (Debian's `ghostscript`)."""

_RGB_OPS = {"rg": ("g", "k"), "RG": ("G", "K")}
_NEUTRAL = Decimal("0.002")


def finish_print(path: Path, *, pdfx: bool = False) -> None:
    """Rewrite the print PDF at `path` in place (atomically): black, marks, PDF/X."""
    profile = _cmyk_profile() if pdfx else None
    with pikepdf.open(path) as pdf:
        srgb = pdf.make_stream(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
                               .tobytes(), N=3) if pdfx else None
        seen: set[tuple[int, int]] = set()
        registration = _registration(pdf)
        for page in pdf.pages:
            _recolour(page.obj, seen, srgb)
            _add_marks(pdf, page, registration)
            if pdfx and "/Annots" in page.obj:
                del page.obj["/Annots"]
        if pdfx:
            assert profile is not None and srgb is not None
            _make_pdfx(pdf, profile)
        # Hidden beside it; a staged file is hidden already, and its name keeps the
        # temporary within what `staging.clear_leftovers` deletes after a killed build.
        tmp = path.with_name(f"{'' if path.name.startswith('.') else '.'}{path.name}.finish")
        try:
            # No new ID: the same booklet always gives the same bytes.
            pdf.save(tmp, deterministic_id=True, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     min_version="1.6" if pdfx else "")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def _cmyk_profile() -> bytes:
    for candidate in CMYK_PROFILES:
        if candidate.is_file():
            return candidate.read_bytes()
    raise SetupError("PDF/X needs a CMYK printer profile for its output intent, and none "
                     "is installed", path=CMYK_PROFILES[0],
                     fix="install Ghostscript's profiles: apt-get install ghostscript "
                         "(scripts/setup-system.sh does it), or build without --pdfx")


def _recolour(holder: pikepdf.Object, seen: set[tuple[int, int]],
              srgb: pikepdf.Stream | None) -> None:
    """Rewrite the colour operators of a page or form XObject, then of the forms it
    draws; with `srgb`, tag its images and blending spaces as ICC-based sRGB."""
    resources = holder.get("/Resources")
    if srgb is not None:
        group = holder.get("/Group")
        if group is not None and group.get("/CS") == pikepdf.Name.DeviceRGB:
            group.CS = pikepdf.Array([pikepdf.Name.ICCBased, srgb])
    if isinstance(holder, pikepdf.Stream) or "/Contents" in holder:
        content = pikepdf.Page(holder) if "/Contents" in holder else holder
        ops = pikepdf.parse_content_stream(content)
        changed = [_grey_or_cmyk(item) for item in ops]
        if any(new is not item for new, item in zip(changed, ops, strict=True)):
            data = pikepdf.unparse_content_stream(changed)
            if isinstance(content, pikepdf.Page):
                content.contents_coalesce()
                holder.Contents.write(data)
            else:
                holder.write(data)
    if resources is None or "/XObject" not in resources:
        return
    for _, xobject in resources.XObject.items():
        key = xobject.objgen
        if key in seen:
            continue
        seen.add(key)
        if xobject.get("/Subtype") == pikepdf.Name.Form:
            _recolour(xobject, seen, srgb)
        elif srgb is not None and xobject.get("/ColorSpace") == pikepdf.Name.DeviceRGB:
            xobject.ColorSpace = pikepdf.Array([pikepdf.Name.ICCBased, srgb])


def _grey_or_cmyk(item):
    """An `rg`/`RG` instruction in DeviceGray or DeviceCMYK; anything else as it is."""
    if not isinstance(item, pikepdf.ContentStreamInstruction):
        return item  # an inline image
    op = str(item.operator)
    if op not in _RGB_OPS:
        return item
    r, g, b = (Decimal(str(value)) for value in item.operands)
    grey, cmyk = _RGB_OPS[op]
    if max(r, g, b) - min(r, g, b) <= _NEUTRAL:
        return pikepdf.ContentStreamInstruction([_num((r + g + b) / 3)], pikepdf.Operator(grey))
    k = 1 - max(r, g, b)
    c, m, y = ((1 - v - k) / (1 - k) for v in (r, g, b))
    return pikepdf.ContentStreamInstruction([_num(v) for v in (c, m, y, k)],
                                            pikepdf.Operator(cmyk))


def _num(value: Decimal) -> Decimal:
    return round(value, 4)


def _registration(pdf: pikepdf.Pdf) -> pikepdf.Array:
    """The registration colour space: `/All` prints on every plate."""
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1],
                              N=1)
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All,
                                            pikepdf.Name.DeviceCMYK, tint]))


def mark_lines(trim: tuple[float, ...], bleed: tuple[float, ...]) -> list[tuple[float, ...]]:
    """Crop marks as (x0, y0, x1, y1) lines: at each corner one on each trim edge's
    line, beginning `MARK_GAP_MM` outside the bleed and `MARK_LENGTH_MM` long."""
    tx0, ty0, tx1, ty1 = trim
    bx0, by0, bx1, by1 = bleed
    gap, length = MARK_GAP_MM * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    lines: list[tuple[float, ...]] = []
    for y in (ty0, ty1):  # horizontal marks, left and right of the page
        lines += [(bx0 - gap - length, y, bx0 - gap, y), (bx1 + gap, y, bx1 + gap + length, y)]
    for x in (tx0, tx1):  # vertical marks, below and above
        lines += [(x, by0 - gap - length, x, by0 - gap), (x, by1 + gap, x, by1 + gap + length)]
    return lines


def _add_marks(pdf: pikepdf.Pdf, page: pikepdf.Page, registration: pikepdf.Array) -> None:
    trim = tuple(float(v) for v in page.obj.get("/TrimBox", page.mediabox))
    bleed = tuple(float(v) for v in page.obj.get("/BleedBox", page.mediabox))
    reach = (MARK_GAP_MM + MARK_LENGTH_MM + SLUG_MM) * PT_PER_MM
    media = [bleed[0] - reach, bleed[1] - reach, bleed[2] + reach, bleed[3] + reach]
    page.obj.MediaBox = pikepdf.Array([round(Decimal(v), 4) for v in media])
    if "/CropBox" in page.obj:
        del page.obj["/CropBox"]
    if "/ColorSpace" not in page.obj.Resources:
        page.obj.Resources.ColorSpace = pikepdf.Dictionary()
    page.obj.Resources.ColorSpace.PBRegistration = registration
    strokes = " ".join(f"{x0:.3f} {y0:.3f} m {x1:.3f} {y1:.3f} l"
                       for x0, y0, x1, y1 in mark_lines(trim, bleed))
    marks = (f"q /PBRegistration CS 1 SCN {MARK_WIDTH_PT} w 0 J [] 0 d {strokes} S Q\n")
    # The page's own drawing is wrapped in q/Q: the marks start from a clean state.
    page.contents_coalesce()
    old = page.obj.Contents.read_bytes()
    page.obj.Contents = pdf.make_stream(b"q\n" + old + b"\nQ\n" + marks.encode())


def _make_pdfx(pdf: pikepdf.Pdf, profile: bytes) -> None:
    icc = pdf.make_stream(profile, N=4)
    pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String("Custom"),
        OutputCondition=pikepdf.String("Offset printing, CMYK (Ghostscript default_cmyk)"),
        Info=pikepdf.String("CMYK printer profile from Ghostscript"),
        DestOutputProfile=icc)])
    info = pdf.docinfo
    created = str(info.get("/CreationDate", "D:20000101000000Z"))
    info.CreationDate = pikepdf.String(_full_date(created))
    info.ModDate = pikepdf.String(_full_date(created))
    if "/Title" not in info:
        info.Title = pikepdf.String("booklet")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta.load_from_docinfo(info)
        # Set after: the XMP keeps them in its own keys, below.
        info.Trapped = pikepdf.Name("/False")
        info.GTS_PDFXVersion = pikepdf.String("PDF/X-4")
        meta["pdfxid:GTS_PDFXVersion"] = "PDF/X-4"
        meta["xmp:CreateDate"] = _xmp_date(info.CreationDate)
        meta["xmp:ModifyDate"] = _xmp_date(info.ModDate)
        meta["pdf:Trapped"] = "False"


def _full_date(date: str) -> str:
    """A PDF date with every field (PDF/X wants seconds and a time zone): `D:2021` ->
    `D:20210101000000Z`."""
    digits = "".join(c for c in date[2:16] if c.isdigit())
    template = "20000101000000"
    digits = digits + template[len(digits):]
    return f"D:{digits}Z"


def _xmp_date(date: object) -> str:
    d = str(date)[2:]
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"


def check_pdfx(path: Path) -> list[str]:
    """What the file at `path` lacks of PDF/X-4's structural requirements: [] if none."""
    problems = []
    with pikepdf.open(path) as pdf:
        intents = pdf.Root.get("/OutputIntents", pikepdf.Array())
        pdfx = [i for i in intents if i.get("/S") == pikepdf.Name.GTS_PDFX]
        if len(pdfx) != 1:
            problems.append("needs exactly one /GTS_PDFX output intent")
        else:
            profile = pdfx[0].get("/DestOutputProfile")
            data = profile.read_bytes() if profile is not None else b""
            if data[12:16] != b"prtr" or data[16:20] not in (b"CMYK", b"GRAY", b"RGB "):
                problems.append("the output intent needs an embedded printer (prtr) profile")
            if "/OutputConditionIdentifier" not in pdfx[0]:
                problems.append("the output intent needs /OutputConditionIdentifier")
        info = pdf.docinfo
        if str(info.get("/GTS_PDFXVersion", "")) != "PDF/X-4":
            problems.append("Info needs /GTS_PDFXVersion (PDF/X-4)")
        for key in ("/Title", "/CreationDate", "/ModDate"):
            if key not in info:
                problems.append(f"Info needs {key}")
        if info.get("/Trapped") not in (pikepdf.Name("/True"), pikepdf.Name("/False")):
            problems.append("Info needs /Trapped /True or /False")
        meta = pdf.open_metadata()
        if meta.get("pdfxid:GTS_PDFXVersion") != "PDF/X-4":
            problems.append("XMP needs pdfxid:GTS_PDFXVersion PDF/X-4")
        if pdf.pdf_version < "1.6":
            problems.append(f"PDF {pdf.pdf_version}: PDF/X-4 needs 1.6 or later")
        if pdf.is_encrypted:
            problems.append("must not be encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("trailer needs /ID")
        for number, page in enumerate(pdf.pages, 1):
            media = [float(v) for v in page.mediabox]
            trim = page.obj.get("/TrimBox")
            if trim is None:
                problems.append(f"page {number}: needs a TrimBox")
                continue
            t = [float(v) for v in trim]
            if not (media[0] <= t[0] and media[1] <= t[1] and t[2] <= media[2]
                    and t[3] <= media[3]):
                problems.append(f"page {number}: TrimBox outside the MediaBox")
            if "/Annots" in page.obj:
                problems.append(f"page {number}: annotations")
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image \
                    and obj.get("/ColorSpace") == pikepdf.Name.DeviceRGB:
                problems.append(f"image {obj.objgen}: DeviceRGB under a CMYK output intent")
            if isinstance(obj, pikepdf.Dictionary) and \
                    obj.get("/S") == pikepdf.Name.Transparency and \
                    obj.get("/CS") == pikepdf.Name.DeviceRGB:
                problems.append(f"group {obj.objgen}: DeviceRGB blending space")
        for page in pdf.pages:
            for item in pikepdf.parse_content_stream(page):
                if str(item.operator) in ("rg", "RG"):
                    problems.append("DeviceRGB colour operators in page content")
                    break
    return problems

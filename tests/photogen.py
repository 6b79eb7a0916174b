"""Camera metadata for generated test photos: what no output may carry."""

from __future__ import annotations

from PIL import ExifTags, Image

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

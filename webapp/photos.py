"""Photos uploaded from the form: read as images, never trusted as files.

Each upload is decoded with Pillow (a real JPEG, PNG or WebP, at most MAX_PIXELS), turned
upright by its own orientation tag, shrunk to MAX_SIDE and written again as a fresh JPEG with
none of the phone's metadata (owner, device, serial numbers). Only what the record captions
need goes back in: when it was taken and, where the browser gave it, where (EXIF
DateTimeOriginal and GPS, which engine/photos.py reads).
"""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from engine.errors import ErrorCode, LantianError, Location, Problem
from engine.photos import _DATE_TIME_ORIGINAL, _EXIF_IFD, _GPS_ERROR, _GPS_IFD  # the tags engine.photos reads back

#: A phone's full-resolution photo (the page shrinks it to 1600 px first): decoding one costs
#: about 4 bytes a pixel, so a tiny file claiming more would take hundreds of megabytes.
MAX_PIXELS = 24_000_000
MAX_SIDE = 2000
ACCEPTED = ("JPEG", "PNG", "WEBP", "MPO")


class PhotoError(LantianError):
    """An upload that is not a photo (or a signature) we take: UPLOAD_001, saying why."""

    def __init__(self, what: str, reason: str, hint: str) -> None:
        super().__init__([Problem(ErrorCode.UPLOAD_001, Location(what, in_file=False), {"what": what, "reason": reason, "hint": hint})])



#: What to do with a signature the page did not send as it draws one (only a script would).
_SIGNATURE_HINT = "请清除后在签名框中重新签一次"
#: What to do with a photo the phone took that is refused.
_PHOTO_HINT = "请用手机相机重新拍一张（JPEG），或选一张原始照片"


def _degrees(value: float) -> tuple[float, float, float]:
    """Degrees, minutes and seconds, as EXIF's GPS tags hold them (Pillow writes rationals)."""
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    return (float(degrees), float(minutes), round((minutes_float - minutes) * 60, 2))


def reencode(data: bytes, taken: dt.datetime, position: tuple[float, float] | None = None, accuracy: float | None = None) -> bytes:
    """The upload as a clean JPEG; PhotoError when it is not a photo."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED:
                raise PhotoError("照片", f"只接受 JPEG、PNG 或 WebP 照片，这是 {probe.format or '未知'} 格式", _PHOTO_HINT)
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("照片", "像素过多", "在相机设置中选小一些的尺寸再拍，或先把照片缩小")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            upright = upright.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise PhotoError("照片", "不是照片，或照片过大", _PHOTO_HINT) from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoError("照片", "已损坏，无法读取", _PHOTO_HINT) from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    exif = Image.Exif()
    exif.get_ifd(_EXIF_IFD)[_DATE_TIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if position is not None:
        latitude, longitude = position
        gps = exif.get_ifd(_GPS_IFD)
        gps[1], gps[2] = ("N" if latitude >= 0 else "S"), _degrees(abs(latitude))
        gps[3], gps[4] = ("E" if longitude >= 0 else "W"), _degrees(abs(longitude))
        if accuracy is not None:
            gps[_GPS_ERROR] = round(accuracy, 1)  # metres, the browser's estimate
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def signature_png(data: bytes) -> bytes:
    """A signature drawn on the screen, as a fresh PNG on white; PhotoError when it is not one."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != "PNG":
                raise PhotoError("签名", "签名须为 PNG 图片", _SIGNATURE_HINT)
            if probe.width * probe.height > 4_000_000:
                raise PhotoError("签名", "图片过大", _SIGNATURE_HINT)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            drawn = image.convert("RGBA")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError("签名", "图片已损坏，无法读取", _SIGNATURE_HINT) from None
    paper = Image.new("RGB", drawn.size, (255, 255, 255))
    paper.paste(drawn, mask=drawn.getchannel("A"))
    paper.thumbnail((1200, 500))
    out = io.BytesIO()
    paper.save(out, "PNG", optimize=True)
    return out.getvalue()

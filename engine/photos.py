"""What a photo says of itself: when it was taken and where, from its EXIF tags.

A record captions each photo with its item, time and place. A phone's camera writes the time
(DateTimeOriginal) and, where the inspector allowed it, the position (GPS); a photo without
them is captioned with the inspection's day and the site instead. The photo was already read
once when the answers were checked (answers.photo_file_problem): here only its tags are, and
anything unreadable in them counts as absent, never as an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATE_TIME_ORIGINAL = 36867
_DATE_TIME = 306
#: GPSHPositioningError: how far off the position may be, in metres (EXIF 2.31).
_GPS_ERROR = 31


@dataclass(frozen=True)
class PhotoFacts:
    taken: dt.datetime | None = None
    latitude: float | None = None  #: degrees, north positive
    longitude: float | None = None  #: degrees, east positive
    accuracy: float | None = None  #: metres the position may be off, as the phone estimated it


def _moment(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.strptime(text.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _degrees(parts: Any, reference: Any, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not 0 <= value <= 180:
        return None
    return -value if str(reference).strip().upper() == negative else value


def photo_facts(path: Path) -> PhotoFacts:
    """The time and position ``path``'s EXIF tags give, each None where absent or unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            taken = _moment(exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)) or _moment(exif.get(_DATE_TIME))
            gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # a photo's tags are a bonus: any fault in them means none
        return PhotoFacts()
    latitude = _degrees(gps.get(2), gps.get(1), "S")
    longitude = _degrees(gps.get(4), gps.get(3), "W")
    if latitude is None or longitude is None or abs(latitude) > 90:
        return PhotoFacts(taken)
    return PhotoFacts(taken, latitude, longitude, _metres(gps.get(_GPS_ERROR)))


def _metres(value: Any) -> float | None:
    try:
        metres = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return metres if 0 <= metres < 100_000 else None


def position_text(latitude: float, longitude: float, accuracy: float | None = None) -> str:
    """"北纬39.90421°，东经116.40739°": as a map reads it, to about a metre; with the phone's
    estimate of how far off it may be, "（误差约 12 米）"."""
    north = "北纬" if latitude >= 0 else "南纬"
    east = "东经" if longitude >= 0 else "西经"
    off = f"（误差约 {max(1, round(accuracy))} 米）" if accuracy is not None else ""
    return f"{north}{abs(latitude):.5f}°，{east}{abs(longitude):.5f}°{off}"

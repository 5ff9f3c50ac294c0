"""Names as a person reads them: keys that survive cosmetic edits of a file.

The ledger knows a site by this key (LEDGER_003), and the answers loader counts the
inspectors by it, so that an invisible character or a changed space makes neither a second
site nor a second person.
"""

from __future__ import annotations

import unicodedata

#: Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt), which render as
#: nothing, plus U+2800 BRAILLE PATTERN BLANK, which renders as a blank.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_IGNORABLE = {code: None for low, high in _IGNORABLE_RANGES for code in range(low, high + 1)}
#: Cyrillic and Greek letters a reader takes for Latin ones (after casefold, so lowercase).
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("авсеһіјкмноорстухѕԁԛԝ", "abcehijkmhoopctyxsdqw", strict=True)),
        **dict(zip("αβεζηικμνορτυχ", "abezhikmvoptux", strict=True)),
    }
)


def name_key(name: str) -> str:
    """A name as a person reads it: the same site or person whatever invisible characters
    (Default_Ignorable_Code_Point, U+2800, category Cf), spaces, full-width letters,
    letter case or Latin-looking Cyrillic and Greek letters the file has."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_IGNORABLE)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return "".join(text.split()).translate(_CONFUSABLES)

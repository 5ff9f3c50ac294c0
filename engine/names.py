"""Names as a person reads them: keys that survive cosmetic edits of a file.

The ledger knows a site by this key (LEDGER_003), and the answers loader counts the
inspectors by it, so that an invisible character or a changed space makes neither a second
site nor a second person.
"""

from __future__ import annotations

import functools
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
#: Cyrillic, Greek and Cherokee letters a reader takes for Latin letters or digits (after
#: casefold: lowercase Cyrillic and Greek, uppercase Cherokee), as Unicode's confusables.txt
#: maps them.
_CHEROKEE = {
    0x13A0: "d", 0x13A1: "r", 0x13A2: "t", 0x13A5: "i", 0x13A9: "y", 0x13AA: "a", 0x13AB: "j", 0x13AC: "e",
    0x13B3: "w", 0x13B7: "m", 0x13BB: "h", 0x13BD: "y", 0x13C0: "g", 0x13C2: "h", 0x13C3: "z", 0x13CE: "4",
    0x13CF: "b", 0x13D2: "r", 0x13D4: "w", 0x13D5: "s", 0x13D9: "v", 0x13DA: "s", 0x13DE: "l", 0x13DF: "c",
    0x13E2: "p", 0x13E6: "k", 0x13E7: "d", 0x13EE: "6", 0x13F3: "g", 0x13F4: "b",
}
#: Capital Cyrillic and Greek letters shaped like Latin capitals, read as those before letter
#: case is folded (capital Ν is N, though its small ν looks like v), and before NFKC makes
#: the lunate sigmas (Ϲ ϲ, shaped C c) a sigma.
_CAPITALS = str.maketrans(
    {
        **dict(zip("АВСЕНІЈКМОРЅТХҮӀԚԜ", "ABCEHIJKMOPSTXYIQW", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹϿϲ", "ABEZHIKMNOPTYXCJc", strict=True)),
    }
)
#: Lisu letters (a script of Yunnan) shaped like Latin capitals, as confusables.txt maps them.
_LISU = dict(zip("ꓐꓑꓒꓓꓔꓖꓗꓙꓚꓜꓝꓟꓠꓡꓢꓣꓦꓧꓪꓫꓬꓮꓰꓲꓳꓴ", "bpddtgkjczfmnlsrvhwxyaeiou", strict=True))
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("авсеһіјкмноорстухѕԁԛԝ", "abcehijkmhoopctyxsdqw", strict=True)),
        **dict(zip("αβεζηικμνορτυχϳ", "abezhikmvoptuxj", strict=True)),
        **{chr(code): latin for code, latin in _CHEROKEE.items()},
        **_LISU,
        # Armenian, Coptic and Latin letters a reader takes for o, u, p, c, x, i.
        **dict(zip("օոսⲟⲣⲥⲭıɪ", "onuopcxii", strict=True)),
    }
)


def _small_capital(ch: str) -> str:
    """ᴀ ʙ ᴄ … ɴ (LATIN LETTER SMALL CAPITAL X) read as the letter x."""
    name = unicodedata.name(ch, "")
    return name[-1].lower() if name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name) == len("LATIN LETTER SMALL CAPITAL ") + 1 else ch

#: CJK radicals (CJK Radicals Supplement) and strokes that look like a unified ideograph, mapped
#: to it as Unicode's EquivalentUnifiedIdeograph.txt does; text copied out of a PDF often
#: holds them (⻓ for 长). The Kangxi Radicals block needs no table: NFKC maps it.
_RADICALS = str.maketrans(
    (
        "\u2e81\u2e82\u2e83\u2e84\u2e85\u2e86\u2e87\u2e88\u2e89\u2e8a\u2e8b\u2e8c\u2e8d\u2e8e\u2e8f\u2e90"
        "\u2e91\u2e92\u2e93\u2e94\u2e95\u2e96\u2e97\u2e98\u2e99\u2e9b\u2e9c\u2e9d\u2e9e\u2e9f\u2ea0\u2ea1"
        "\u2ea2\u2ea3\u2ea4\u2ea5\u2ea6\u2ea7\u2ea8\u2ea9\u2eaa\u2eab\u2eac\u2ead\u2eae\u2eaf\u2eb0\u2eb1"
        "\u2eb2\u2eb3\u2eb4\u2eb5\u2eb6\u2eb7\u2eb8\u2eb9\u2eba\u2ebb\u2ebc\u2ebd\u2ebe\u2ebf\u2ec0\u2ec1"
        "\u2ec2\u2ec3\u2ec4\u2ec5\u2ec6\u2ec7\u2ec8\u2ec9\u2eca\u2ecb\u2ecc\u2ecd\u2ece\u2ecf\u2ed0\u2ed1"
        "\u2ed2\u2ed3\u2ed4\u2ed5\u2ed6\u2ed7\u2ed8\u2ed9\u2eda\u2edb\u2edc\u2edd\u2ede\u2edf\u2ee0\u2ee1"
        "\u2ee2\u2ee3\u2ee4\u2ee5\u2ee6\u2ee7\u2ee8\u2ee9\u2eea\u2eeb\u2eec\u2eed\u2eee\u2eef\u2ef0\u2ef1"
        "\u2ef2\u2ef3\u31c6\u31cf\u31d0\u31d1\u31d2\u31d3\u31d4\u31d5\u31d6\u31d7\u31d8\u31d9\u31da\u31db"
        "\u31dc\u31dd\u31de\u31df\u31e0\u31e1"
    ),
    (
        "\u5382\u4e5b\u4e5a\u4e59\u4ebb\u5182\U00020628\u5200\u5202\u535c\u353e\u5c0f\u5c0f\u5140\u5c23\u5c22"
        "\U00021bc2\u5df3\u5e7a\u5f51\u5f50\u5fc4\u5fc3\u624c\u6535\u65e1\u65e5\u6708\u6b7a\u6bcd\u6c11\u6c35"
        "\u6c3a\u706c\u722b\u722b\u4e2c\u725b\u72ad\u738b\U00024d14\u76ee\u793a\u793b\U00025ad7\u7cf9\u7e9f\u7f53"
        "\u7f52\u34c1\u5197\U0002626b\u7f8a\U0002634c\U0002634b\u8002\u8080\u807f\u8089\U00026951\u8279\u8279\u8279\u864e"
        "\u8864\u8980\u897f\u89c1\u89d2\U000278b2\u8ba0\u8d1d\U00027fb7\u8f66\u8fb6\u8fb6\u8fb6\u9091\u9485\u9577"
        "\u9578\u957f\u95e8\U00028e0f\u961d\u96e8\u9752\u97e6\u9875\u98ce\u98de\u98df\U0002967f\u98e0\u9963\U00029810"
        "\u9a6c\u9aa8\u9b3c\u9c7c\u9e1f\u5364\u9ea6\u9ec4\u9efe\u6589\u9f50\u6b6f\u9f7f\u7adc\u9f99\u9f9c"
        "\u4e80\u9f9f\U000200cc\u4e40\u4e00\u4e28\u4e3f\u4e3f\u4e36\U000200cd\u4e5b\U000200ca\U000200ce\U0002010c\u4e85\U00021fe8"
        "\U000200cb\u4e40\U000200d1\u4e5a\u4e59\U0002010e"
    ),
)


#: Marks that look alike, read as one: middle dots, multiplication signs, the ideographic zero.
_LOOKALIKES = str.maketrans({**dict.fromkeys("\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\uff65\u2e31", "\u00b7"), **dict.fromkeys("\u00d7\u2715\u2716\u2a2f\u2573", "x"), "\u3007": "0"})
#: Punctuation read by its role, not its shape: every dash and hyphen, every quotation mark,
#: every opening and every closing bracket.
_PUNCTUATION_ROLES = {"Pd": "-", "Pi": "'", "Pf": "'", "Ps": "(", "Pe": ")"}


def _by_role(ch: str) -> str:
    if ch in "\u2212\u2043\"'`\u00b4":  # the minus sign and the hyphen bullet; straight quotes
        return "-" if ch in "\u2212\u2043" else "'"
    if ch in "\u301c\u2053\u223c":  # the wave dash of Chinese input methods, the swung dash, the tilde operator
        return "~"
    if ch in "\u2044\u2215":  # the fraction and division slashes
        return "/"
    return _PUNCTUATION_ROLES.get(unicodedata.category(ch), _small_capital(ch))


@functools.lru_cache(maxsize=4096)  # a batch names the same inspectors and sites again and again
def name_key(name: str) -> str:
    """A name as a person reads it: the same site or person whatever invisible characters
    (Default_Ignorable_Code_Point, U+2800, category Cf), spaces, full-width letters, letter
    case, combining marks stacked on Chinese characters, radicals standing for ideographs, Latin-looking
    Cyrillic and Greek letters, the shape of its dashes, dots, quotation marks and brackets,
    or punctuation at its ends (a closing 。) the file has."""
    text = unicodedata.normalize("NFKC", name.translate(_RADICALS).translate(_CAPITALS)).casefold().translate(_IGNORABLE)
    text = "".join(_by_role(ch) for ch in _marks_of_letters(text) if unicodedata.category(ch) != "Cf")
    text = "".join(text.split()).translate(_CONFUSABLES).translate(_LOOKALIKES)
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(text[end - 1]).startswith("P"):
        end -= 1
    return text[start:end] or text  # a name of punctuation alone is still that name


def _takes_marks(base: str | None) -> bool:
    """Whether combining marks after ``base`` can be part of how a name is spelt: after a
    letter of an alphabet (ü in pinyin, Tibetan and Uyghur vowel signs), yes; after a Chinese
    character, a digit or a sign, where nothing is spelt with them, no."""
    if base is None or not unicodedata.category(base).startswith("L"):
        return False
    return not unicodedata.name(base, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def _marks_of_letters(text: str) -> str:
    """``text`` without the combining marks stacked on what no name spells with them."""
    kept, base = [], None
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            if not _takes_marks(base):
                continue
        else:
            base = ch
        kept.append(ch)
    return "".join(kept)


def says_nothing(text: str) -> bool:
    """Whether ``text`` has nothing a reader can take in: no letter, digit or sign, only
    spaces, invisible characters and punctuation."""
    return not any(unicodedata.category(ch)[0] in "LNS" for ch in unicodedata.normalize("NFKC", text).translate(_IGNORABLE))

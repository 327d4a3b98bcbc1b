"""Which carrier holds a parcel, where to track it, and whether its tracking ID looks mistyped.

Amazon prints the carrier's name next to the tracking ID; that name is the truth. The number's
shape is only a fallback, because shapes overlap (a bare 12-digit number fits Yamato, Sagawa,
Japan Post and FedEx alike). A failed check digit is a warning for the user, never a rejection:
carriers change formats without telling us.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from itertools import cycle
from urllib.parse import quote


class Carrier(StrEnum):
    """A carrier cancelwatch knows; the value is the name shown to the user."""

    YAMATO = "Yamato"
    SAGAWA = "Sagawa"
    JAPAN_POST = "Japan Post"
    AMAZON_JP = "Amazon"
    """Amazon's own delivery providers in Japan (デリバリープロバイダ)."""
    UPS = "UPS"
    USPS = "USPS"
    FEDEX = "FedEx"
    AMAZON_LOGISTICS = "Amazon Logistics"
    ROYAL_MAIL = "Royal Mail"
    PARCELFORCE = "Parcelforce"
    EVRI = "Evri"
    DPD = "DPD"
    YODEL = "Yodel"
    DHL = "DHL"
    CANADA_POST = "Canada Post"
    PUROLATOR = "Purolator"
    INTELCOM = "Intelcom"
    CANPAR = "Canpar"


@dataclass(frozen=True)
class Identified:
    """What we know about one tracking ID."""

    carrier: Carrier | None
    """None when neither the printed name nor the number's shape tells."""
    tracking_id: str
    """Normalised: NFKC, no spaces or hyphens, upper-case."""
    url: str | None
    """The carrier's public tracking page; None where only Amazon's order page tracks it."""
    warnings: tuple[str, ...]
    """Readable doubts about the ID, for the user to check; empty when all is well."""


# Both ASCII and Japanese separators turn up in pasted numbers; the katakana long-vowel mark
# is what a Japanese IME often types for "-". No carrier's ID contains any of them.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー]+")


def normalise(tracking_id: str) -> str:
    """The form we compare, check and store: NFKC, no spaces or hyphens, upper-case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", tracking_id)).upper()


def _words(*alternatives: str) -> re.Pattern[str]:
    # \b would treat kana as word characters and miss "UPSが配送", so bound by ASCII only.
    joined = "|".join(alternatives)
    return re.compile(rf"(?<![a-z0-9])(?:{joined})(?![a-z0-9])")


# Checked in order, first match wins: an explicit Amazon Logistics name before any carrier,
# and the bare word "Amazon" last, because Amazon prints its own name beside other carriers'.
_NAMES: tuple[tuple[Carrier, re.Pattern[str]], ...] = (
    (Carrier.AMAZON_LOGISTICS, _words(r"amazon\s*logistics", r"amzl(?:_[a-z]+)?")),
    (Carrier.YAMATO, _words("yamato", "kuroneko", "ヤマト", "クロネコ")),
    (Carrier.SAGAWA, _words("sagawa", "佐川")),
    (
        Carrier.JAPAN_POST,
        _words(r"japan\s*post", "日本郵便", "ゆうパック", "ゆうパケット", "郵便局"),
    ),
    (Carrier.USPS, _words("usps", r"u\.?s\.? postal service", "united states postal service")),
    (Carrier.UPS, _words("ups", "united parcel service")),
    (Carrier.FEDEX, _words(r"fed\s*ex", "federal express", "フェデックス")),
    # Parcelforce before Royal Mail: its pages say "Parcelforce Worldwide, part of Royal Mail".
    (Carrier.PARCELFORCE, _words(r"parcel\s*force")),
    (Carrier.ROYAL_MAIL, _words(r"royal\s*mail")),
    (Carrier.EVRI, _words("evri", "hermes")),  # Evri was Hermes UK until 2022
    (Carrier.DPD, _words("dpd")),
    (Carrier.YODEL, _words("yodel")),
    (Carrier.DHL, _words("dhl")),
    (Carrier.CANADA_POST, _words(r"canada\s*post", r"postes\s*canada")),
    (Carrier.PUROLATOR, _words("purolator")),
    (Carrier.INTELCOM, _words("intelcom")),
    (Carrier.CANPAR, _words("canpar")),
)
_AMAZON = _words("amazon", "アマゾン", "デリバリープロバイダ")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def carrier_from_name(printed: str, *, country: str | None = None) -> Carrier | None:
    """The carrier Amazon names in `printed` ("Shipped with UPS", "ヤマト運輸が配送"), or None.

    Amazon's own name means its Japanese delivery providers on a Japanese text or when
    `country` is "JP", and Amazon Logistics otherwise.
    """
    text = unicodedata.normalize("NFKC", printed).casefold()
    for carrier, pattern in _NAMES:
        if pattern.search(text):
            return carrier
    if not _AMAZON.search(text):
        return None
    in_japan = bool(_JAPANESE.search(text)) or (country or "").upper() == "JP"
    return Carrier.AMAZON_JP if in_japan else Carrier.AMAZON_LOGISTICS


_UPS = re.compile(r"1Z[0-9A-Z]{16}")
_AMAZON_LOGISTICS = re.compile(r"TB[ACM][0-9]{12}")
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
_DIGITS = re.compile(r"[0-9]+")
_USPS_LENGTHS = frozenset({20, 22, 26, 30, 34})
_IMPB = re.compile(r"9[1-5]")
# The country code that ends an S10 number says which post office issued it.
_S10_POSTS = {"JP": Carrier.JAPAN_POST, "GB": Carrier.ROYAL_MAIL, "CA": Carrier.CANADA_POST}
_CANADA_POST_LENGTH = 16
_PUROLATOR = re.compile(r"[0-9]{12}|[A-Z]{3}[0-9]{9}")


def carrier_from_number(tracking_id: str, country: str | None) -> Carrier | None:
    """A guess from the number's shape alone, for when Amazon names no carrier we know.

    A bare 12-digit number gives None outside the US: Yamato, Sagawa and Japan Post all use
    12 digits with the same mod-7 check, and FedEx Express uses 12 digits too, so any pick
    would be a coin toss. In the US (`country` "US") none of the Japanese carriers deliver,
    so it is FedEx. Returns None for any other shape we do not recognise.
    """
    number = normalise(tracking_id)
    if _UPS.fullmatch(number):
        return Carrier.UPS
    if _AMAZON_LOGISTICS.fullmatch(number):
        return Carrier.AMAZON_LOGISTICS
    if _S10.fullmatch(number):
        return _S10_POSTS.get(number[-2:])
    if _DIGITS.fullmatch(number):
        return _carrier_from_digits(number, (country or "").upper())
    return None


def _carrier_from_digits(digits: str, country: str) -> Carrier | None:
    # Evri's parcel numbers are 16 digits as well (no published check), so in Canada only.
    if len(digits) == _CANADA_POST_LENGTH and country == "CA":
        return Carrier.CANADA_POST
    # FedEx's "96" numbers are 22 digits like many USPS ones, so they must be tested first.
    if len(digits) == 15 or (len(digits) == 22 and digits.startswith("96")):
        return Carrier.FEDEX
    if len(digits) in _USPS_LENGTHS:
        return Carrier.USPS
    if len(digits) == 12 and country == "US":
        return Carrier.FEDEX
    return None


def _mod7_ok(digits: str) -> bool:
    return int(digits[:-1]) % 7 == int(digits[-1])


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _s10_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[2:10], _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    # UPU S10 maps the two results that are not single digits: 10 to 0, 11 to 5.
    check = {10: 0, 11: 5}.get(check, check)
    return check == int(number[10])


def _ups_ok(number: str) -> bool:
    # Letters count as digits by (code point - 63) mod 10, so A=2, B=3, … as UPS defines.
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in number[2:-1]]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return str((10 - total % 10) % 10) == number[-1]


def _mod10_31_ok(digits: str) -> bool:
    """GS1-style mod 10: weights 3, 1, 3, … from the digit next to the check digit."""
    total = sum(int(d) * (1 if i % 2 else 3) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == int(digits[-1])


def _luhn_ok(digits: str) -> bool:
    """Luhn: every second digit from the one next to the check digit doubled, digits summed."""
    total = 0
    for i, d in enumerate(reversed(digits[:-1])):
        value = int(d) * (1 if i % 2 else 2)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(digits[-1])


def _fedex12_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(reversed(digits[:-1]), cycle((1, 3, 7))))
    return total % 11 % 10 == int(digits[-1])


def _usps_readings(digits: str) -> list[str]:
    """Every part of a USPS number its check digit may cover.

    The check covers the tracking number, not the "420"+ZIP(+4) routing prefix of 30 and
    34-digit labels, and a printed 20-digit number may omit the leading "91" that the check
    includes. We cannot tell these readings apart, so any one passing is enough.
    """
    readings = [digits]
    if digits.startswith("420") and len(digits) in (30, 34):
        readings = [digits[8:], digits[12:]] if len(digits) == 34 else [digits[8:]]
    return readings + ["91" + r for r in readings if len(r) == 20 and not _IMPB.match(r)]


def _format_warning(carrier: Carrier, number: str, expected: str) -> list[str]:
    shown = number or "(empty)"
    return [f"{carrier} tracking ID {shown} is not {expected}; it may be mistyped"]


def _check_warning(carrier: Carrier, number: str, ok: bool) -> list[str]:
    if ok:
        return []
    return [f"{carrier} tracking ID {number} fails its check digit; it may be mistyped"]


def _twelve_digit_warnings(carrier: Carrier, number: str) -> list[str]:
    if len(number) != 12 or not _DIGITS.fullmatch(number):
        return _format_warning(carrier, number, "12 digits")
    return _check_warning(carrier, number, _mod7_ok(number))


def _japan_post_warnings(number: str) -> list[str]:
    carrier = Carrier.JAPAN_POST
    # Inbound international parcels keep the sender country's S10 code, so any suffix goes.
    if _S10.fullmatch(number):
        return _check_warning(carrier, number, _s10_ok(number))
    if _DIGITS.fullmatch(number) and len(number) == 11:
        return []  # registered mail: no published check digit
    if _DIGITS.fullmatch(number) and len(number) == 12:
        return _check_warning(carrier, number, _mod7_ok(number))
    return _format_warning(carrier, number, "11 or 12 digits or like AA123456789JP")


def _s10_post_warnings(carrier: Carrier, number: str) -> list[str]:
    """A post office's numbers: S10 ones have a check digit; its domestic shapes vary and
    publish none, so anything else passes."""
    if _S10.fullmatch(number):
        return _check_warning(carrier, number, _s10_ok(number))
    return []


def _canada_post_warnings(number: str) -> list[str]:
    if _DIGITS.fullmatch(number) and len(number) == _CANADA_POST_LENGTH:
        return _check_warning(Carrier.CANADA_POST, number, _mod10_31_ok(number))
    return _s10_post_warnings(Carrier.CANADA_POST, number)


def _purolator_warnings(number: str) -> list[str]:
    if not _PUROLATOR.fullmatch(number):
        return _format_warning(Carrier.PUROLATOR, number, "12 digits or 3 letters and 9 digits")
    if number.isdigit():
        return _check_warning(Carrier.PUROLATOR, number, _luhn_ok(number))
    return []  # the lettered form publishes no check digit


def _ups_warnings(number: str) -> list[str]:
    if not _UPS.fullmatch(number):
        return _format_warning(Carrier.UPS, number, "1Z and 16 letters or digits")
    return _check_warning(Carrier.UPS, number, _ups_ok(number))


def _usps_warnings(number: str) -> list[str]:
    if not _DIGITS.fullmatch(number) or len(number) not in _USPS_LENGTHS:
        return _format_warning(Carrier.USPS, number, "20, 22, 26, 30 or 34 digits")
    ok = any(_mod10_31_ok(r) for r in _usps_readings(number))
    return _check_warning(Carrier.USPS, number, ok)


def _fedex_warnings(number: str) -> list[str]:
    carrier = Carrier.FEDEX
    if not _DIGITS.fullmatch(number):
        return _format_warning(carrier, number, "12, 15 or 22 digits")
    if len(number) == 12:
        return _check_warning(carrier, number, _fedex12_ok(number))
    # A "96" Ground number's check covers only its last 15 digits, like a 15-digit one.
    if len(number) == 15 or (len(number) == 22 and number.startswith("96")):
        return _check_warning(carrier, number, _mod10_31_ok(number[-15:]))
    return _format_warning(carrier, number, "12, 15 or 22 digits starting 96")


def _amazon_logistics_warnings(number: str) -> list[str]:
    if _AMAZON_LOGISTICS.fullmatch(number):
        return []  # Amazon publishes no check digit
    return _format_warning(Carrier.AMAZON_LOGISTICS, number, "TBA, TBC or TBM and 12 digits")


_CHECKS: dict[Carrier, Callable[[str], list[str]]] = {
    Carrier.YAMATO: lambda n: _twelve_digit_warnings(Carrier.YAMATO, n),
    Carrier.SAGAWA: lambda n: _twelve_digit_warnings(Carrier.SAGAWA, n),
    Carrier.JAPAN_POST: _japan_post_warnings,
    Carrier.UPS: _ups_warnings,
    Carrier.USPS: _usps_warnings,
    Carrier.FEDEX: _fedex_warnings,
    Carrier.AMAZON_LOGISTICS: _amazon_logistics_warnings,
    Carrier.ROYAL_MAIL: lambda n: _s10_post_warnings(Carrier.ROYAL_MAIL, n),
    Carrier.PARCELFORCE: lambda n: _s10_post_warnings(Carrier.PARCELFORCE, n),
    Carrier.CANADA_POST: _canada_post_warnings,
    Carrier.PUROLATOR: _purolator_warnings,
    # No published format with a check digit, so nothing can be wrong with one: Amazon
    # Japan's provider IDs, and Evri's, DPD's, Yodel's, DHL's, Intelcom's and Canpar's.
    Carrier.AMAZON_JP: lambda n: [],
    Carrier.EVRI: lambda n: [],
    Carrier.DPD: lambda n: [],
    Carrier.YODEL: lambda n: [],
    Carrier.DHL: lambda n: [],
    Carrier.INTELCOM: lambda n: [],
    Carrier.CANPAR: lambda n: [],
}


def check_digit_warnings(carrier: Carrier, tracking_id: str) -> list[str]:
    """Why `tracking_id` may be mistyped for `carrier`: a wrong format or check digit.

    Empty when it looks right. Never raises: the ID came from a page or a human.
    """
    return _CHECKS[carrier](normalise(tracking_id))


_URLS: dict[Carrier, str] = {
    Carrier.YAMATO: "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01={n}",
    Carrier.SAGAWA: "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo={n}",
    Carrier.JAPAN_POST: (
        "https://trackings.post.japanpost.jp/services/srv/search/direct"
        "?searchKind=S002&locale=ja&reqCodeNo1={n}"
    ),
    Carrier.UPS: "https://www.ups.com/track?tracknum={n}",
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={n}",
    Carrier.AMAZON_LOGISTICS: "https://track.amazon.com/tracking/{n}",
    Carrier.ROYAL_MAIL: "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
    Carrier.PARCELFORCE: "https://www.parcelforce.com/track-trace?trackNumber={n}",
    Carrier.EVRI: "https://www.evri.com/track/parcel/{n}/details",
    Carrier.DPD: "https://www.dpd.co.uk/apps/tracking/?reference={n}",
    Carrier.YODEL: "https://www.yodel.co.uk/tracking/{n}",
    Carrier.DHL: "https://www.dhl.com/global-en/home/tracking.html?tracking-id={n}&submit=1",
    Carrier.CANADA_POST: (
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={n}"
    ),
    Carrier.PUROLATOR: "https://www.purolator.com/en/shipping/tracker?searchValue={n}",
    Carrier.CANPAR: "https://www.canpar.com/en/track/tracking.jsp?reference={n}&locale=en",
    # Intelcom: no public page that takes the number in its address; Amazon's order page.
}


def tracking_url(carrier: Carrier, tracking_id: str) -> str | None:
    """The carrier's public tracking page, or None for Amazon Japan and Intelcom (Amazon's
    order page only)."""
    template = _URLS.get(carrier)
    if template is None:
        return None
    return template.format(n=quote(normalise(tracking_id), safe=""))


_GROUPS = (
    frozenset({Carrier.AMAZON_JP, Carrier.AMAZON_LOGISTICS}),
    # Parcelforce is Royal Mail's parcel arm; its international numbers are GB S10 ones.
    frozenset({Carrier.ROYAL_MAIL, Carrier.PARCELFORCE}),
)


def _same_company(a: Carrier, b: Carrier) -> bool:
    return a == b or any({a, b} <= group for group in _GROUPS)


def _name_warnings(
    printed: str | None, named: Carrier | None, guessed: Carrier | None
) -> list[str]:
    if printed and named is None:
        return [f"carrier {printed!r} is not one cancelwatch knows"]
    if named and guessed and not _same_company(named, guessed):
        return [f"Amazon names {named}, but the tracking ID looks like {guessed}'s; using {named}"]
    return []


def identify(
    tracking_id: str, printed_carrier: str | None = None, country: str | None = None
) -> Identified:
    """Carrier, tracking page and doubts for one tracking ID, as Amazon printed it.

    The printed carrier name wins; the number's shape decides only when no known name is
    printed. When the two disagree the name is kept and a warning says so.
    """
    number = normalise(tracking_id)
    printed = (printed_carrier or "").strip() or None
    named = carrier_from_name(printed, country=country) if printed else None
    guessed = carrier_from_number(number, country)
    carrier = named or guessed
    warnings = _name_warnings(printed, named, guessed)
    if carrier is not None:
        warnings += check_digit_warnings(carrier, number)
    url = tracking_url(carrier, number) if carrier is not None else None
    return Identified(carrier, number, url, tuple(warnings))

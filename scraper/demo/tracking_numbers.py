"""Made-up tracking IDs that pass each carrier's check digit, so the demo exercises the
same checks a real number would (docs/rules.md, "Carriers and tracking IDs")."""

from __future__ import annotations

import random
from itertools import cycle

from cancelwatch.scraper.read.carriers import Carrier


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(count - 1))


def japanese_12(rng: random.Random) -> str:
    """Yamato, Sagawa and Japan Post parcels: last digit = int(first 11) mod 7."""
    body = _digits(rng, 11)
    return body + str(int(body) % 7)


def _mod10_31(body: str) -> str:
    total = sum(int(d) * (1 if i % 2 else 3) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def usps(rng: random.Random) -> str:
    body = "9400" + "".join(str(rng.randrange(10)) for _ in range(17))
    return body + _mod10_31(body)


def fedex_12(rng: random.Random) -> str:
    body = _digits(rng, 11)
    total = sum(int(d) * w for d, w in zip(reversed(body), cycle((1, 3, 7)), strict=False))
    return body + str(total % 11 % 10)


def ups(rng: random.Random) -> str:
    body = "999AA1" + "".join(str(rng.randrange(10)) for _ in range(9))
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return "1Z" + body + str((10 - total % 10) % 10)


def amazon_logistics(rng: random.Random) -> str:
    return "TBA" + "".join(str(rng.randrange(10)) for _ in range(12))


def amazon_japan(rng: random.Random) -> str:
    # No published format; the Japanese test pages use Amazon's own TBA numbers.
    return amazon_logistics(rng)


def make(carrier: Carrier, rng: random.Random) -> str:
    makers = {
        Carrier.YAMATO: japanese_12,
        Carrier.SAGAWA: japanese_12,
        Carrier.JAPAN_POST: japanese_12,
        Carrier.AMAZON_JP: amazon_japan,
        Carrier.UPS: ups,
        Carrier.USPS: usps,
        Carrier.FEDEX: fedex_12,
        Carrier.AMAZON_LOGISTICS: amazon_logistics,
    }
    return makers[carrier](rng)

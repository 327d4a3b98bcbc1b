"""The demo account: public, made-up credentials that only the demo store accepts.

DEMO ONLY. These values are published in the README and printed by `demo-store`; they
open nothing but the local demo store. Never use them, or anything like them, for a
real account.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # public demo value, see above
DEMO_TOTP_SECRET = "MNQW4Y3FNR3WC5DDNAWWIZLNN4WW65DQ"  # base32 of b"cancelwatch-demo-otp"


@dataclass(frozen=True)
class DemoAccount:
    """Who may sign in to a demo store. `totp_secret=None` skips the OTP step."""

    email: str = DEMO_EMAIL
    password: str = DEMO_PASSWORD
    totp_secret: str | None = DEMO_TOTP_SECRET
    name: str | None = None
    """The name shown on pages; None picks the marketplace's sample name."""

"""Sign in the way a person would: email, password, one-time code; hand CAPTCHAs to a human.

A rejected password is never tried again: retrying is what gets accounts locked and
CAPTCHAs shown. Secrets are typed into the page and nowhere else; any message that could
carry one is scrubbed before it is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyotp
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from cancelwatch.scraper.browse.credentials import Credentials, account_file, write_private
from cancelwatch.scraper.browse.guard import wait_parsed
from cancelwatch.scraper.browse.watchdog import GRACE_SECONDS, answering
from cancelwatch.scraper.errors import AmazonUnavailable, SignInNeeded
from cancelwatch.scraper.read.model import PageKind, ParsedPage
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page

log = logging.getLogger(__name__)

_EMAIL_FIELD = "input#ap_email:not([type='hidden']), input[name='email']:not([type='hidden'])"
_PASSWORD_FIELD = "input#ap_password, input[type='password']:not(.hide)"
_OTP_FIELD = "input[name='otpCode'], input[name='code']"
_SIGNED_IN = (PageKind.ORDER_LIST, PageKind.EMPTY_SHELL, PageKind.DIGITAL_ORDER)
_MAX_STEPS = 8
_SUBMIT_TIMEOUT_MS = 30_000  # Playwright's own default for the navigation
HUMAN_WAIT_MS = 10 * 60 * 1000
"""How long a visible browser waits for the human to solve a CAPTCHA."""


def rejected_marker(account: str) -> Path:
    """Present while the stored password is known to be wrong; `login` removes it."""
    return account_file(account, ".password-rejected")


@dataclass
class SignIn:
    """One sign-in attempt on `page`, which is already at an Amazon page."""

    page: Page
    marketplace: str
    credentials: Callable[[], Credentials]
    """Read lazily: a valid session never touches the keyring."""
    headed: bool = False
    account: str = "default"
    _creds: Credentials | None = None
    _password_sent: bool = False
    _otp_sent: bool = False

    def run(self) -> None:
        """Sign in, from whatever page we are on, until the order history shows."""
        self._password_sent = self._otp_sent = False
        marker = rejected_marker(self.account)
        if marker.exists():
            raise SignInNeeded(
                f"{self.marketplace} rejected the stored password for account {self.account!r} "
                "earlier; cancelwatch does not try it again. Store the right one with "
                f"`cancelwatch login --account {self.account}`"
            )
        for _ in range(_MAX_STEPS):
            page = self._read()
            if page.page_kind in _SIGNED_IN:
                log.info("signed in to %s", self.marketplace)
                return
            if page.page_kind is PageKind.ERROR and self._password_sent:
                # Signed in, but the page we were sent back to failed: the caller's
                # retries deal with that page.
                return
            with answering(self.page, "the sign-in page", self._step_bound):
                self._step(page)
        raise SignInNeeded(
            f"sign-in to {self.marketplace} did not reach the order history after "
            f"{_MAX_STEPS} steps; run `cancelwatch login --account {self.account} --headed`"
        )

    @property
    def _step_bound(self) -> float:
        """How long one step may take before the watchdog ends the browser: its own
        waits (two fields, a submit and the page after it, each within Playwright's
        30 s; a person, when headed) and some grace."""
        waits_ms = 4 * _SUBMIT_TIMEOUT_MS + (HUMAN_WAIT_MS if self.headed else 0)
        return waits_ms / 1000 + GRACE_SECONDS

    def _read(self) -> ParsedPage:
        try:
            with answering(self.page, "the sign-in page"):
                html = self.page.content()
            return parse_page(html, self.marketplace)
        except PageSelectorFailure as failure:
            # An order list we cannot fully read still means we are signed in; the
            # crawl reports the failure.
            return failure.page

    def _step(self, page: ParsedPage) -> None:
        kind = page.page_kind
        if kind is PageKind.SIGN_IN:
            self._sign_in_form(page)
        elif kind is PageKind.OTP:
            self._otp(page)
        elif kind in (PageKind.CAPTCHA, PageKind.CHALLENGE):
            self._human(kind)
        elif kind is PageKind.ERROR:
            raise AmazonUnavailable(f"{self.marketplace} showed an error page during sign-in")
        else:
            raise SignInNeeded(
                f"sign-in to {self.marketplace} stopped at a page cancelwatch does not know "
                f"({kind.value}); run `cancelwatch login --account {self.account} --headed`"
            )

    def _sign_in_form(self, page: ParsedPage) -> None:
        creds = self._credentials()
        if page.auth_error and self._password_sent:
            write_private(rejected_marker(self.account), b"rejected\n")
            raise SignInNeeded(
                f"{self.marketplace} rejected the password ({page.auth_error}). cancelwatch "
                "will not try it again; check it and run "
                f"`cancelwatch login --account {self.account}`"
            )
        if page.auth_error:
            raise SignInNeeded(f"{self.marketplace} did not accept the email: {page.auth_error}")
        if page.auth_step is None:
            raise SignInNeeded(
                f"the {self.marketplace} sign-in page has no field cancelwatch knows"
            )
        last = _EMAIL_FIELD
        if page.auth_step in ("email", "email_password"):
            self._fill(_EMAIL_FIELD, creds.email)
        if page.auth_step in ("password", "email_password"):
            self._fill(_PASSWORD_FIELD, creds.password)
            self._password_sent = True
            last = _PASSWORD_FIELD
        self._submit(last)

    def _otp(self, page: ParsedPage) -> None:
        creds = self._credentials()
        if self._otp_sent:
            raise SignInNeeded(
                f"{self.marketplace} did not accept the one-time code"
                + (f" ({page.auth_error})" if page.auth_error else "")
                + "; check the device clock and the stored TOTP secret, then run "
                f"`cancelwatch login --account {self.account}`"
            )
        if not creds.totp_secret:
            self._human(PageKind.OTP)
            return
        self._fill(_OTP_FIELD, pyotp.TOTP(creds.totp_secret).now())
        self._otp_sent = True
        self._submit(_OTP_FIELD)

    def _human(self, kind: PageKind) -> None:
        what = {
            PageKind.CAPTCHA: "a CAPTCHA",
            PageKind.CHALLENGE: "a security check (JavaScript challenge)",
            PageKind.OTP: "a one-time code and no TOTP secret is stored",
        }[kind]
        if not self.headed:
            raise SignInNeeded(
                f"{self.marketplace} asks for {what}. A person has to answer it: run "
                f"`cancelwatch login --account {self.account} --headed`, answer it in the "
                "browser window, and cancelwatch keeps the session for its checks"
            )
        log.warning("%s asks for %s: answer it in the browser window", self.marketplace, what)
        try:
            self.page.wait_for_selector(
                ".order-card, .js-order-card, .num-orders, #ordersContainer",
                timeout=HUMAN_WAIT_MS,
            )
        except PlaywrightError:
            raise SignInNeeded(
                f"nobody answered {what} within {HUMAN_WAIT_MS // 60000} minutes"
            ) from None

    def _credentials(self) -> Credentials:
        if self._creds is None:
            self._creds = self.credentials()
        return self._creds

    def _fill(self, selector: str, value: str) -> None:
        try:
            self.page.locator(selector).first.fill(value)
        except PlaywrightError as exc:
            raise SignInNeeded(self._scrub(f"cannot type into the sign-in form: {exc}")) from None

    def _submit(self, selector: str) -> None:
        try:
            with self.page.expect_navigation(wait_until="commit"):
                self.page.locator(selector).first.press("Enter")
            wait_parsed(self.page, _SUBMIT_TIMEOUT_MS)
        except PlaywrightError as exc:
            raise AmazonUnavailable(
                self._scrub(f"the sign-in form did not submit: {exc}")
            ) from None

    def _scrub(self, text: str) -> str:
        creds = self._creds
        if creds is None:
            return text
        for secret in (creds.password, creds.totp_secret):
            if secret:
                text = text.replace(secret, "***")
        return text.splitlines()[0]

"""Sign-in like Amazon's: email page → password page → (CAPTCHA) → OTP page → a session
cookie that expires. Passwords and codes are compared, never logged or kept."""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

import pyotp

from cancelwatch.scraper.demo.account import DemoAccount
from cancelwatch.scraper.demo.clock import Clock
from cancelwatch.scraper.demo.exchange import Request, Response
from cancelwatch.scraper.demo.faults import Fault, FaultSet
from cancelwatch.scraper.demo.locale import Locale
from cancelwatch.scraper.demo.templates import esc, fill, page

DEFAULT_RETURN = "/your-orders/orders"
CAPTCHA_CHARACTERS = "DEMO42"
"""What the demo CAPTCHA asks for; it is printed on the page, so a human can pass it."""
# Amazon's own cookie names for the signed-in session, per marketplace.
COOKIE_NAMES = {
    "amazon.co.jp": "at-acbjp",
    "amazon.com": "at-main",
    "amazon.co.uk": "at-acbuk",
    "amazon.ca": "at-acbca",
}


@dataclass
class _Flow:
    """A sign-in in progress, keyed by the page's workflowState."""

    email: str
    return_to: str
    step: str  # "password", "captcha" or "otp"


class Auth:
    def __init__(
        self,
        locale: Locale,
        account: DemoAccount,
        clock: Clock,
        faults: FaultSet,
        session_ttl: timedelta,
    ) -> None:
        self.locale = locale
        self.account = account
        self.clock = clock
        self.faults = faults
        self.session_ttl = session_ttl
        self.cookie = COOKIE_NAMES[locale.marketplace]
        self._sessions: dict[str, datetime] = {}
        self._flows: dict[str, _Flow] = {}
        self._lock = threading.Lock()

    # ---- sessions ----------------------------------------------------------------------

    def signed_in(self, request: Request) -> str | None:
        """The request's live session token, or None."""
        token = request.cookies.get(self.cookie)
        with self._lock:
            expires = self._sessions.get(token or "")
            if token is None or expires is None:
                return None
            if expires <= self.clock.now():
                del self._sessions[token]
                return None
        return token

    def end_session(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def end_all_sessions(self) -> None:
        with self._lock:
            self._sessions.clear()

    def _new_session(self, return_to: str) -> Response:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[token] = self.clock.now() + self.session_ttl
        ttl = int(self.session_ttl.total_seconds())
        cookie = f"{self.cookie}={token}; Path=/; Max-Age={ttl}; HttpOnly; SameSite=Lax"
        return Response.redirect(return_to, ("Set-Cookie", cookie))

    def to_sign_in(self, request: Request) -> Response:
        """Where Amazon sends a request that needs a session it does not have."""
        return Response.redirect(f"/ap/signin?openid.return_to={quote(request.target(), safe='')}")

    # ---- the pages ---------------------------------------------------------------------

    def get(self, request: Request) -> Response:
        return_to = _safe_return(request.query.get("openid.return_to"))
        return self._email_page(return_to, "")

    def post(self, request: Request) -> Response:
        form = request.form
        flow = self._flow(form.get("workflowState", ""))
        if "otpCode" in form:
            return self._otp(flow, form["otpCode"], form.get("workflowState", ""))
        if form.get("password"):
            return self._password(form, flow)
        return self._email(form)

    def captcha(self, request: Request) -> Response:
        state = request.query.get("workflowState", "")
        flow = self._flow(state)
        if flow is None or flow.step != "captcha":
            return self._email_page(DEFAULT_RETURN, "")
        guess = request.query.get("field-keywords", "").strip().upper()
        if guess != CAPTCHA_CHARACTERS:
            return self._captcha_page(flow, state)
        return self._after_password(flow, state)

    def _flow(self, state: str) -> _Flow | None:
        with self._lock:
            return self._flows.get(state)

    def _start_flow(self, email: str, return_to: str) -> str:
        state = secrets.token_urlsafe(16)
        with self._lock:
            self._flows[state] = _Flow(email, return_to, "password")
        return state

    def _email(self, form: dict[str, str]) -> Response:
        return_to = _safe_return(form.get("openid.return_to"))
        email = form.get("email", "").strip()
        if email.casefold() != self.account.email.casefold():
            return self._email_page(return_to, self.locale.w("no_account"), email)
        state = self._start_flow(email, return_to)
        return self._password_page(email, return_to, state, "")

    def _password(self, form: dict[str, str], flow: _Flow | None) -> Response:
        state = form.get("workflowState", "")
        if flow is None:  # the classic one-page form sends email and password together
            email = form.get("email", "").strip()
            if email.casefold() != self.account.email.casefold():
                return self._email_page(DEFAULT_RETURN, self.locale.w("no_account"), email)
            state = self._start_flow(email, _safe_return(form.get("openid.return_to")))
            flow = self._flow(state)
            assert flow is not None
        if not hmac.compare_digest(form["password"].encode(), self.account.password.encode()):
            # The rejected password page: Amazon's answer; the caller must not retry.
            return self._password_page(flow.email, flow.return_to, state, "bad_password")
        if self.faults.active(Fault.CAPTCHA):
            flow.step = "captcha"
            return self._captcha_page(flow, state)
        return self._after_password(flow, state)

    def _after_password(self, flow: _Flow, state: str) -> Response:
        if self.account.totp_secret is None:
            return self._finish(state, flow)
        flow.step = "otp"
        return self._otp_page(flow, state, "")

    def _otp(self, flow: _Flow | None, code: str, state: str) -> Response:
        if flow is None or flow.step != "otp" or self.account.totp_secret is None:
            return self._email_page(DEFAULT_RETURN, "")
        totp = pyotp.TOTP(self.account.totp_secret)
        # One step either side, as authenticator apps drift; the store clock decides "now".
        # The code comes from a real authenticator on real time, whatever the scenario's
        # clock says.
        if not totp.verify(code.strip(), valid_window=1):
            return self._otp_page(flow, state, self.locale.w("otp_wrong"))
        return self._finish(state, flow)

    def _finish(self, state: str, flow: _Flow) -> Response:
        with self._lock:
            self._flows.pop(state, None)
        return self._new_session(flow.return_to)

    # ---- rendering ---------------------------------------------------------------------

    def _alert(self, message: str) -> str:
        return fill("auth_alert", message=esc(message)) if message else ""

    def _signin(
        self,
        *,
        alert: str,
        action: str,
        return_to: str,
        state: str,
        fields: str,
        submit_id: str,
        submit_label: str,
    ) -> Response:
        loc = self.locale
        body = fill(
            "signin",
            alert=self._alert(alert),
            app_action=action,
            return_to=esc(return_to),
            workflow=esc(state),
            sign_in=esc(loc.w("sign_in")),
            fields=fields,
            submit_id=submit_id,
            submit_label=esc(submit_label),
        )
        return Response.html(page(loc, f"Amazon {loc.w('sign_in')}", body))

    def _email_page(self, return_to: str, alert: str, email: str = "") -> Response:
        loc = self.locale
        fields = fill(
            "signin_email_fields", email_label=esc(loc.w("email_label")), email=esc(email)
        )
        return self._signin(
            alert=alert,
            action="SIGNIN_PWD_COLLECT",
            return_to=return_to,
            state="",
            fields=fields,
            submit_id="continue",
            submit_label=loc.w("continue"),
        )

    def _password_page(self, email: str, return_to: str, state: str, alert_key: str) -> Response:
        loc = self.locale
        fields = fill(
            "signin_password_fields",
            email=esc(email),
            password_label=esc(loc.w("password_label")),
            remember=esc(loc.w("remember")),
        )
        return self._signin(
            alert=loc.w(alert_key) if alert_key else "",
            action="SIGNIN_PWD_COLLECT",
            return_to=return_to,
            state=state,
            fields=fields,
            submit_id="signInSubmit",
            submit_label=loc.w("sign_in"),
        )

    def _captcha_page(self, flow: _Flow, state: str) -> Response:
        loc = self.locale
        body = fill(
            "captcha",
            captcha_text=esc(loc.w("captcha_text")),
            return_to=esc(flow.return_to),
            workflow=esc(state),
            characters=CAPTCHA_CHARACTERS,
            continue_=esc(loc.w("continue")),
        )
        return Response.html(page(loc, loc.marketplace.capitalize(), body))

    def _otp_page(self, flow: _Flow, state: str, alert: str) -> Response:
        loc = self.locale
        body = fill(
            "otp",
            alert=self._alert(alert),
            return_to=esc(flow.return_to),
            workflow=esc(state),
            otp_title=esc(loc.w("otp_title")),
            otp_text=esc(loc.w("otp_text")),
            otp_label=esc(loc.w("otp_label")),
            sign_in=esc(loc.w("sign_in")),
        )
        return Response.html(page(loc, loc.w("otp_title"), body))


def _safe_return(value: str | None) -> str:
    """Only a path on this store: never an open redirect to another host."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return DEFAULT_RETURN

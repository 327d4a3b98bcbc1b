"""The extra channels: one per Apprise URL from the config (email, ntfy, Slack, LINE, ...).

The URLs hold tokens: a channel is named by its URL's scheme only ("apprise:json", a
second one of the same scheme "apprise:json#2"), a failure is reported by its kind, never
its message (it may quote the URL), and the `apprise` logger is filtered so that it never
prints a configured URL either.

(Not `apprise.py`: a module of that name would shadow the library it imports.)

Imports: Apprise weighs about 32 MB of RSS: it is imported on a channel's first send only,
so a config without extra channels never loads it.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from cancelwatch.scheduler.notify.notice import Notice, Urgency

__all__ = ["AppriseUrl", "apprise_channels"]


def _scheme(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and scheme.isascii() and scheme.isalnum() else "unknown"


def channel_names(urls: Sequence[str]) -> list[str]:
    """Each URL's channel name, by its scheme only (the rest holds tokens): "apprise:json",
    and for a second URL of the same scheme "apprise:json#2"."""
    seen: dict[str, int] = {}
    names = []
    for url in urls:
        scheme = _scheme(url)
        seen[scheme] = seen.get(scheme, 0) + 1
        suffix = f"#{seen[scheme]}" if seen[scheme] > 1 else ""
        names.append(f"apprise:{scheme}{suffix}")
    return names


class _RedactUrls(logging.Filter):
    """Keeps the configured Apprise URLs (they hold tokens) out of apprise's own log.

    Apprise prints a URL it cannot parse in full, and at DEBUG the request URL it
    derived (an ntfy topic, a webhook path): both the URL and what follows its scheme
    are replaced by "<redacted>".
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, urls: Sequence[str]) -> None:
        with self._lock:
            for url in urls:
                if not url:
                    continue
                self._secrets[url] = f"{_scheme(url)}://<redacted>"
                rest = url.partition("://")[2].partition("?")[0]
                # A webhook's path (json://host/hooks/TOKEN) is the request's path, which
                # urllib3 logs without the host.
                for secret in (rest, rest.partition("/")[2]):
                    if len(secret) >= 8:
                        self._secrets[secret] = "<redacted>"

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets.items(), key=lambda item: len(item[0]), reverse=True)
        for secret, replacement in secrets:
            text = text.replace(secret, replacement)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT = _RedactUrls()
# Apprise's DEBUG and INFO lines print request URLs and payloads, and so do those of
# urllib3 under it (through requests): both stay at warnings unless the user's logging
# says otherwise. Their warnings name the failing service by host, which is enough, and
# may still quote a URL or a request path: the loggers that print them are filtered.
for _name in ("apprise", "urllib3"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)
for _name in ("apprise", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_REDACT)


def _apprise_instance(url: str, app_name: str) -> Any:
    """An Apprise object holding `url`, or None when Apprise cannot parse it."""
    # Apprise loads its plugins on first use; some import modules that are deprecated
    # (imghdr): not our warning to raise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise  # noqa: PLC0415 (lazy: see "Imports")

        instance = apprise.Apprise(asset=apprise.AppriseAsset(app_id=app_name))
        if not instance.add(url):
            return None
    return instance


class AppriseUrl:
    """One Apprise URL as a channel; Apprise reads the URL on the first send."""

    def __init__(self, name: str, url: str, app_name: str) -> None:
        self.name = name
        self._url = url
        self._app_name = app_name
        self._instance: Any = None
        self._read = False
        self._lock = threading.Lock()

    def available(self) -> str | None:
        """None when Apprise can read the URL (whether the service answers, only a send
        tells)."""
        try:
            return self._unreadable()
        except ImportError:
            return "Apprise is not installed"
        except Exception as exc:
            return f"{type(exc).__name__}"  # never the message: it may quote the URL

    def send(self, notice: Notice) -> str | None:
        try:
            reason = self._unreadable()
            if reason is not None:
                return reason
            import apprise  # noqa: PLC0415 (lazy: see "Imports")

            notify_type = (
                apprise.NotifyType.WARNING
                if notice.urgency is Urgency.CRITICAL
                else apprise.NotifyType.INFO
            )
            body = notice.body if not notice.url else f"{notice.body}\n{notice.url}"
            result = self._instance.notify(title=notice.title, body=body, notify_type=notify_type)
        except ImportError:
            return "Apprise is not installed"
        except Exception as exc:
            return f"{type(exc).__name__}"  # never the message: it may quote the URL
        return None if bool(result) else "not delivered"

    def close(self) -> None:
        """Nothing to let go of: Apprise opens a connection per send."""

    def _unreadable(self) -> str | None:
        with self._lock:
            if not self._read:
                self._instance = _apprise_instance(self._url, self._app_name)
                self._read = True
        return "Apprise cannot read this URL" if self._instance is None else None


def apprise_channels(urls: Sequence[str], app_name: str) -> list[AppriseUrl]:
    """A channel per URL, in the config's order; their tokens kept out of apprise's log."""
    _REDACT.add(urls)
    return [
        AppriseUrl(name, url, app_name) for name, url in zip(channel_names(urls), urls, strict=True)
    ]

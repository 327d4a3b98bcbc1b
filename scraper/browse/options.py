"""How gently a check reads: the crawl's options, apart from the crawl so that reading
config.toml loads no browser library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrawlOptions:
    delay_seconds: float = 2.0
    """Pause between two page loads: gentle on Amazon, and less likely to meet a CAPTCHA."""
    max_pages: int = 30
    """Order-list pages read at most in one check."""
    retries: int = 3
    """Tries after the first for a page that fails with 5xx, a timeout or a cut-off page."""
    timeout_seconds: float = 30.0
    render_wait_seconds: float = 10.0
    """How long to wait for order cards that the page renders with JavaScript."""
    lookback_days: int = 31
    """Always read at least this far back, so a recent order's return window is seen."""
    refresh_hours: float = 6.0
    """How long a details or tracking page that a check read stands in for reading it
    again, while the order list shows nothing new about the order (the crawl's rules);
    0 reads them on every check."""

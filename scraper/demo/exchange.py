"""One HTTP request and its answer, as the routes see them: no sockets here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    """Last value of each parameter, as Amazon's pages read them."""
    raw_query: str
    form: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def target(self) -> str:
        return f"{self.path}?{self.raw_query}" if self.raw_query else self.path


@dataclass
class Response:
    status: int
    body: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "text/html; charset=utf-8"

    @classmethod
    def html(cls, body: str, status: int = 200) -> Response:
        return cls(status, body)

    @classmethod
    def redirect(cls, location: str, *headers: tuple[str, str]) -> Response:
        return cls(302, "", [("Location", location), *headers])

"""The words of the command line's tables and reports (`check`, `demo`, `status`,
`advise`), in English and Japanese."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {}
JA: Mapping[str, str] = {}

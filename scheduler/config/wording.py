"""A message of the config's checks kept as a key of policy/words/config.py with its
values, so that one check is worded in the language of whoever reads it."""

from __future__ import annotations

from dataclasses import dataclass

from cancelwatch.scheduler.policy.words import Lang, text


@dataclass(frozen=True)
class Said:
    key: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, /, **values: object) -> Said:
        return cls(key, tuple(values.items()))

    def words(self, lang: Lang) -> str:
        return text(lang, self.key, **{k: worded(v, lang) for k, v in self.values})


def worded(value: object, lang: Lang) -> object:
    """`value` in `lang` when it is words, else as it is (a number, a value from the file)."""
    return value.words(lang) if isinstance(value, Said) else value


class Problem(ValueError):
    """What a check found wrong with a value; its message is the English wording, `said`
    words it in any language (`schema.describe`)."""

    def __init__(self, key: str, /, **values: object) -> None:
        self.said = Said.of(key, **values)
        super().__init__(self.said.words("en"))

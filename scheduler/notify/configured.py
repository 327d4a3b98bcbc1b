"""The language and the channels config.toml asks for. Apart from the account module so
that the watcher, which never reads a page itself, does not import the browser's."""

from __future__ import annotations

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier, default_lang
from cancelwatch.scheduler.policy.words import Lang


def language(cfg: Config) -> Lang:
    return "ja" if default_lang(cfg.notify.language) == "ja" else "en"


def notifier_for(cfg: Config) -> Notifier:
    return Notifier(desktop=cfg.notify.desktop, apprise_urls=cfg.notify.apprise, lang=language(cfg))

"""Telling the user: a module per channel (`desktop`, `apprise_urls`, `console`), each a
`channel.Channel`, and the `channels.Notifier` that sends a notice through them in order."""

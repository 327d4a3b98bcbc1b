"""config.toml: what it may hold, reading it, adding an account to it."""

"""The `cancelwatch` command: one module per group of commands."""

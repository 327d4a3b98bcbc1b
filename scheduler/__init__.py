"""When to look and what to tell: cancel windows, state, alerts and the command line."""

"""The local dashboard: each account's open windows, checks and alerts on one page,
served by uvicorn from this process (`cancelwatch serve`, or `watch` with [serve] on)."""

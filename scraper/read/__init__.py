"""Pages in, orders out: pure parsing. No browser, no network, no scheduler."""

"""How orders get out of Amazon: pages, markup and the browser. Knows nothing of alerts."""

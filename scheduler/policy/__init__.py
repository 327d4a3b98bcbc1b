"""Cancel and return windows, advice and its words: pure rules, no browser, no state."""

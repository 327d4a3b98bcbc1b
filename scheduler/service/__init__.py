"""Installing `cancelwatch watch` as a per-user background service."""

"""The browser and the network: the read-only guard, sign-in, the crawl, secrets."""

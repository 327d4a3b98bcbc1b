"""One watched check of an account, the alerts it plans, and the jobs that repeat it."""

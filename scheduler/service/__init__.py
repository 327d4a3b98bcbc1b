"""Installing `cancelwatch watch` as a per-user background service: a module per platform
(`systemd`, `launchd`, `scheduled_task`), each building a `plans.ServicePlan`, and
`install`, which chooses the platform, carries the plan out, and is the one module the rest
of cancelwatch imports."""

"""`python -m cancelwatch.scheduler.cli`: the console script (how the watcher starts each
check's child process)."""

from cancelwatch.scheduler.cli.entry import main

main()

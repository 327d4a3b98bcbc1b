"""`cancelwatch service`: the watcher in the background, as the platform runs services."""

from __future__ import annotations

import click

from cancelwatch.scheduler.service import install as svc


@click.group()
def service() -> None:
    """Run `cancelwatch watch` in the background: a systemd user unit (Linux), a launchd
    agent (macOS) or a scheduled task (Windows)."""


@service.command()
@click.option("--dry-run", is_flag=True, help="Show the file and the commands only.")
def install(dry_run: bool) -> None:
    """Write the service file and start the watcher at each login."""
    plan = svc.current_plan()
    click.echo(svc.preview(plan) if dry_run else svc.install(plan))


@service.command()
def uninstall() -> None:
    """Stop the watcher and remove the service file."""
    click.echo(svc.uninstall(svc.current_plan()))


@service.command("status")
def service_status() -> None:
    """Whether the background watcher is installed and running."""
    click.echo(svc.status(svc.current_plan()))


COMMANDS = (service,)

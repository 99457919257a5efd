"""Due-process commands: ``credo jobs run [--as-of DATE]`` (deadlines, expiry, terms,
retention, notice delivery), ``credo disputes list`` and ``credo notices send``."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import typer

from credo.cli.common import JSON, context_from_env, fail, print_json, say
from credo.clock import FixedClock
from credo.context import AppContext, subject_hooks
from credo.disputes import cases, jobs
from credo.ingest.service import purge_quarantine_until_done
from credo.jsonvalue import jsonable
from credo.notices.channels import Channel, FileChannel, SmtpChannel
from credo.notices.service import DispatchReport, dispatch

CHANNEL_HELP = "Deliver queued notices: 'file:DIR' or 'smtp:HOST:PORT' (none: keep them queued)"


def parse_channel(spec: str) -> Channel:
    kind, _, rest = spec.partition(":")
    if kind == "file" and rest:
        return FileChannel(Path(rest))
    if kind == "smtp":
        host, _, port = rest.rpartition(":")
        if host and port.isdigit():
            return SmtpChannel(host, int(port))
    fail(f"{spec!r} is not 'file:DIR' or 'smtp:HOST:PORT'")


def _deliver(ctx: AppContext, channel: Channel) -> DispatchReport:
    with ctx.engine.begin() as conn:
        return dispatch(conn, channel, ctx.clock.now())


def _print_delivery(report: DispatchReport) -> None:
    say(f"notices: {report.sent} sent, {report.failed} failed")
    for error in report.errors[:20]:
        say(f"  {error}", style="yellow")


def _jobs_json(report: jobs.JobReport, today: date) -> dict[str, Any]:
    done = {k: v for k, v in asdict(report).items() if not k.startswith("_")}
    return {"as_of": today, **done}


AS_OF_HELP = "Run as on this day, YYYY-MM-DD (tests; catching up missed days in order)"


def _on(ctx: AppContext, as_of: datetime | None) -> AppContext:
    """The context with its clock fixed at the start of ``as_of`` (UTC), hooks included."""
    if as_of is None:
        return ctx
    clock = FixedClock(datetime.combine(as_of.date(), time(), UTC))
    return replace(ctx, clock=clock, hooks=subject_hooks(ctx.catalogue, clock))


def _purge_quarantine(ctx: AppContext, batch: int, report: jobs.JobReport) -> None:
    """Refused input rows past the profile's quarantine retention go too (G-41), counted in
    the job's retention report."""
    profile, today, now = ctx.catalogue.profile, ctx.clock.today(), ctx.clock.now()
    rows, entries = purge_quarantine_until_done(ctx.engine, profile, today, now, batch)
    report.retention.quarantine_purged += rows
    report.retention.audit_entries += entries


def _print_jobs(report: jobs.JobReport, today: date) -> None:
    kept = report.retention
    say(
        f"as of {today}: disputes unverified: {report.disputes_unverified}; repairs flagged: "
        f"{report.repairs_flagged}; records ended: {report.records_ended}; subjects "
        f"re-evaluated: {report.subjects_refreshed}; adverse-decision notices: "
        f"{report.adverse_notices}"
    )
    held = ", ".join(report.furnishers_held) or "none"
    say(f"furnisher quality: {report.furnishers_evaluated} evaluated; held for review: {held}")
    say(
        f"retention: {kept.chains_erased} records ({kept.statements_erased} statements) "
        f"erased to tombstones, with {kept.disputes_erased} disputes, "
        f"{kept.subject_statements_erased} subject statements and {kept.repairs_erased} repair "
        f"applications about them; {kept.subjects_forgotten} subjects forgotten "
        f"({kept.identifiers_removed} identifiers removed); {kept.inquiries_purged} inquiries "
        f"and {kept.quarantine_purged} quarantined rows purged; {report.batches} batch(es), "
        f"{kept.audit_entries} retention audit entries"
    )


def register(app: typer.Typer) -> None:
    jobs_app = typer.Typer(help="Scheduled jobs (run them from cron).", no_args_is_help=True)
    disputes_app = typer.Typer(help="Disputes and identity claims.", no_args_is_help=True)
    notices_app = typer.Typer(help="The notice outbox.", no_args_is_help=True)
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(disputes_app, name="disputes")
    app.add_typer(notices_app, name="notices")

    @jobs_app.command("run")
    def run(
        send: str | None = typer.Option(None, help=CHANNEL_HELP),
        as_of: datetime | None = typer.Option(
            None, "--as-of", formats=["%Y-%m-%d"], help=AS_OF_HELP
        ),
        batch: int = typer.Option(jobs.BATCH, min=1, help="Records per batch (one commit each)"),
        as_json: bool = JSON,
    ) -> None:
        """Overdue disputes -> unverified, overdue repairs flagged, ended records and list
        terms re-derived, retention enforced (tombstones, identifiers, inquiries), in batches
        until nothing is left; then deliver notices if a channel is given."""
        ctx = _on(context_from_env(), as_of)
        channel = parse_channel(send) if send else None
        report = jobs.run_until_done(ctx.engine, ctx.write_context(), batch)
        _purge_quarantine(ctx, batch, report)
        delivered = _deliver(ctx, channel) if channel is not None else None
        if as_json:
            notices = None if delivered is None else asdict(delivered)
            print_json({**_jobs_json(report, ctx.clock.today()), "notices": notices})
            return
        _print_jobs(report, ctx.clock.today())
        if delivered is not None:
            _print_delivery(delivered)

    @disputes_app.command("list")
    def list_disputes(
        status: str = typer.Option("open", help="open, unverified, upheld ..."),
        as_json: bool = JSON,
    ) -> None:
        """Disputes and claims by status, nearest deadline first, as JSON (with or without
        --json)."""
        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            print_json([jsonable(d) for d in cases.in_status(conn, "disputes", status)])

    @notices_app.command("send")
    def send(channel: str = typer.Argument(..., help=CHANNEL_HELP), as_json: bool = JSON) -> None:
        """Deliver queued notices through a channel."""
        delivered = _deliver(context_from_env(), parse_channel(channel))
        if as_json:
            print_json(asdict(delivered))
        else:
            _print_delivery(delivered)

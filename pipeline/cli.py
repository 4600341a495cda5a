"""Command line: parse, call one core function, print. Heavy modules are imported inside the
commands so that `fieldnotes --help` starts instantly and never imports llama_cpp."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
from functools import wraps
from pathlib import Path

import click

DB_HELP = "Database file (default: $FIELDNOTES_DB, else ./fieldnotes.db)."
EXIT_SOME_FAILED = 1


def _db_path(db: str | None) -> str:
    return db or os.environ.get("FIELDNOTES_DB") or "fieldnotes.db"


def _open(db: str | None):
    from pipeline.store import open_db

    return open_db(_db_path(db))


def domain_errors(fn):
    """Turn the core's domain errors into one-line messages (exit 1), never tracebacks."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from pipeline.errors import FieldnotesError

        try:
            return fn(*args, **kwargs)
        except FieldnotesError as e:
            raise click.ClickException(str(e)) from e
        except ValueError as e:
            raise click.ClickException(str(e)) from e
        except sqlite3.DatabaseError as e:
            raise click.ClickException(f"database problem: {e} (check --db points at a Fieldnotes database; if it is locked, wait for the other run)") from e

    return wrapper


db_option = click.option("--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fieldnotes")
def cli() -> None:
    """Fieldnotes: informational-interview notes → structured records, leads and follow-ups.

    Everything runs locally with a small embedded model; notes never leave the machine.

    Example: fieldnotes run sample_notes/ && fieldnotes followups
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("--model", "model_name", help="Model alias or path to a .gguf (default: $FIELDNOTES_MODEL or the registry default).")
@click.option("--no-llm", is_flag=True, help="Deterministic extraction only, no model.")
@click.option("--force", is_flag=True, help="Re-process notes even when unchanged.")
@click.option("--max-bytes", type=int, default=None, help="Skip files larger than this (default 5 MB).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@domain_errors
def run(paths, db, model_name, no_llm, force, max_bytes, as_json):
    """Ingest note files and folders, extract records with the local model, store them.

    Exit status: 0 all notes stored, 1 some files failed (listed), 2 usage error.

    Example: fieldnotes run notes/ interview.vtt --db jobs.db
    """
    from pipeline.batch import LazyModel, run_batch
    from pipeline.ingest import DEFAULT_MAX_BYTES

    conn = _open(db)
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    show = sys.stderr.isatty() and not as_json
    try:
        with _progress(show) as progress:
            summary = run_batch(conn, list(paths), LazyModel(model_name, not no_llm), force, max_bytes or DEFAULT_MAX_BYTES, stdin, progress)
    except KeyboardInterrupt:
        stored = conn["notes"].count
        click.echo(f"\nInterrupted. Every finished note is stored ({stored} in {_db_path(db)}); run the same command again to continue.", err=True)
        sys.exit(130)
    for f in summary.failed:
        click.echo(f"{f['error']}" if f["error"].startswith(f["path"]) else f"{f['path']}: {f['error']}", err=True)
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(_run_text(conn, summary))
    sys.exit(EXIT_SOME_FAILED if summary.failed else 0)


class _progress:
    """A click progress bar on a terminal; nothing when piped."""

    def __init__(self, show: bool) -> None:
        self.show, self.bar = show, None

    def __enter__(self):
        return self.update if self.show else None

    def update(self, label: str, i: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Extracting", file=sys.stderr, show_eta=True,
                                         item_show_func=lambda x: x)
            self.bar.__enter__()
        self.bar.update(1, Path(label).name[:40])

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _run_text(conn, summary) -> str:
    from pipeline.query import list_leads

    lines = [f"{summary.processed} processed, {summary.skipped} unchanged, {len(summary.failed)} failed in {summary.seconds:.1f}s"]
    rows = list(conn.query("SELECT n.source, r.contact_name, r.contact_org, r.interview_date FROM records r JOIN notes n ON n.id = r.note_id ORDER BY n.source"))
    for r in rows:
        if r["source"] in summary.sources:
            lines.append(f"  {Path(r['source']).name}: {r['contact_name'] or '?'}{', ' + r['contact_org'] if r['contact_org'] else ''} ({r['interview_date'] or 'no date'})")
    leads = list_leads(conn)
    tasks = conn["followups"].count_where("status = 'open'")
    lines.append(f"{len(leads)} referral leads, {tasks} open follow-ups (see `fieldnotes leads`, `fieldnotes followups`)")
    return "\n".join(lines)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@domain_errors
def export(db, fmt):
    """Export every record in the export contract (one JSON object per note).

    Example: fieldnotes export --format jsonl > records.jsonl
    """
    from pipeline.query import export_records

    records = list(export_records(_open(db)))
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    for r in records if fmt == "jsonl" else []:
        click.echo(json.dumps(r, ensure_ascii=False))


@cli.command()
@click.argument("source")
@db_option
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def show(source, db, as_json):
    """Print one stored record readably, with evidence quotes.

    Example: fieldnotes show sample_notes/01_hospice_nurse.txt
    """
    from pipeline.render import render_record
    from pipeline.store import load_record

    rec = load_record(_open(db), source)
    click.echo(rec.model_dump_json(indent=2) if as_json else render_record(rec))


@cli.command()
@click.argument("query")
@db_option
@click.option("--kind", help="Only this item kind (skills, advice, outlook, day_in_life, how_to_get_in, fit, promise), or 'note' for note text only.")
@click.option("--org", help="Only interviews with this organisation.")
@click.option("--person", help="Only interviews with this contact.")
@click.option("--field", "field_", help="Only this career field.")
@click.option("--skill", help="Only notes that list this skill.")
@click.option("--since", help="Interview date on or after YYYY-MM-DD.")
@click.option("--until", help="Interview date on or before YYYY-MM-DD.")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def search(query, db, kind, org, person, field_, skill, since, until, limit, as_json):
    """Full-text search over notes and extracted items (bm25 ranking).

    Example: fieldnotes search "portfolio review" --kind advice
    """
    from pipeline.query import search as do_search

    rows = do_search(_open(db), query, kind, org, person, since, until, field_, skill, limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("No matches. Try fewer words or a word stem.")
    for r in rows:
        click.echo(f"{r['source']} [{r['kind']}] {r['snippet']}")


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["new", "contacted", "scheduled", "met", "closed"]), help="Only leads with this status.")
@click.option("--chain", "chain_name", help="Show who introduced whom, ending at NAME.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@click.pass_context
@domain_errors
def leads(ctx, db, status, chain_name, as_json, fmt):
    """Referral leads across all notes, next to contact first.

    Example: fieldnotes leads --format csv > leads.csv
    """
    if ctx.invoked_subcommand:
        return
    from pipeline.query import list_leads, referral_chain
    from pipeline.render import leads_csv, leads_text

    conn = _open(db)
    if chain_name:
        click.echo(" → ".join(referral_chain(conn, chain_name)))
        return
    rows = list_leads(conn, status)
    fmt = "json" if as_json else fmt
    click.echo(json.dumps(rows, ensure_ascii=False) if fmt == "json" else leads_csv(rows) if fmt == "csv" else leads_text(rows))


@leads.command("mark")
@click.argument("lead_id", type=int)
@click.argument("status", type=click.Choice(["new", "contacted", "scheduled", "met", "closed"]))
@db_option
@domain_errors
def leads_mark(lead_id, status, db):
    """Set a lead's status (new → contacted → scheduled → met → closed).

    Example: fieldnotes leads mark 3 contacted
    """
    from pipeline.actions import mark_lead_status

    row = mark_lead_status(_open(db), lead_id, status)
    click.echo(f"{row['name']}: {row['status']}")


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["open", "done", "snoozed", "orphaned", "all"]), default="open", show_default=True)
@click.option("--due-before", help="Only tasks due before YYYY-MM-DD.")
@click.option("--overdue", is_flag=True, help="Only open tasks due before today.")
@click.option("--person", help="Only tasks about this person.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json", "csv", "ics"]), default="text", show_default=True)
@click.pass_context
@domain_errors
def followups(ctx, db, status, due_before, overdue, person, fmt):
    """Follow-up tasks grouped by due date; export as md, csv, ics or json.

    Example: fieldnotes followups --overdue --format md
    """
    if ctx.invoked_subcommand:
        return
    from pipeline.actions import list_tasks
    from pipeline.render import tasks_output

    tasks = list_tasks(_open(db), status, due_before, overdue, person)
    click.echo(tasks_output(tasks, fmt), nl=fmt == "text")


@followups.command("done")
@click.argument("task_id")
@db_option
@domain_errors
def followups_done(task_id, db):
    """Check off a task.

    Example: fieldnotes followups done 3f2a9c10b4
    """
    from pipeline.actions import set_task_status

    t = set_task_status(_open(db), task_id, "done")
    click.echo(f"done: {t['action']}")


@followups.command("snooze")
@click.argument("task_id")
@click.option("--until", "until", required=True, help="YYYY-MM-DD")
@db_option
@domain_errors
def followups_snooze(task_id, until, db):
    """Hide a task until a date.

    Example: fieldnotes followups snooze 3f2a9c10b4 --until 2026-12-01
    """
    from pipeline.actions import set_task_status

    t = set_task_status(_open(db), task_id, "snoozed", until)
    click.echo(f"snoozed until {until}: {t['action']}")


@followups.command("add")
@click.argument("text")
@click.option("--due", help="YYYY-MM-DD")
@click.option("--person")
@db_option
@domain_errors
def followups_add(text, due, person, db):
    """Add your own task.

    Example: fieldnotes followups add "Send portfolio to Lena" --due 2026-12-03
    """
    from pipeline.actions import add_task

    t = add_task(_open(db), text, due, person)
    click.echo(t["id"])


@cli.command()
@click.argument("source")
@db_option
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="e.g. --set contact.name='Dan Reyes' (repeatable).")
@domain_errors
def edit(source, db, sets):
    """Correct a record; corrections win over the model and survive re-processing.

    Without --set, opens $EDITOR on the record as JSON.

    Example: fieldnotes edit notes/dan.md --set contact.organization=Lumen
    """
    from pipeline.actions import edit_record

    bad = [s for s in sets if "=" not in s]
    if bad:
        raise click.BadParameter(f"'{bad[0]}' needs the form PATH=VALUE, e.g. contact.name='Dan Reyes'", param_hint="--set")
    conn = _open(db)
    changes = [s.split("=", 1) for s in sets] if sets else None
    if changes is None:
        from pipeline.store import load_record

        before = load_record(conn, source).model_dump_json(indent=2)
        after = click.edit(before, extension=".json")
        if after is None:
            click.echo("No changes.")
            return
        n = edit_record(conn, source, None, after)
    else:
        n = edit_record(conn, source, changes)
    click.echo(f"{n} correction(s) saved for {source}")


@cli.command()
@click.argument("task_id")
@db_option
@click.option("--model", "model_name", help="Model alias or .gguf path.")
@domain_errors
def draft(task_id, db, model_name):
    """Draft the thank-you or introduction e-mail for a task with the local model.

    Example: fieldnotes draft 3f2a9c10b4
    """
    from pipeline.actions import draft_email

    click.echo(draft_email(_open(db), task_id, model_name))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def models(as_json):
    """List the model registry, the default, and whether each model is available.

    Example: FIELDNOTES_MODEL=gemma3-270m fieldnotes models
    """
    from pipeline.models import list_models

    rows = list_models()
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        mark = "*" if r["default"] else " "
        click.echo(f"{mark} {r['alias']:<14} {'available' if r['available'] else 'missing  '}  {r['description']}")


@cli.command("eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--model", "model_names", multiple=True, help="Model alias or .gguf path (repeat to compare models).")
@click.option("--no-llm", is_flag=True, help="Also (or only, without --model) score the deterministic pipeline alone.")
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def eval_cmd(gold_dir, model_names, no_llm, as_json):
    """Score extraction against annotated notes (GOLD_DIR/notes + GOLD_DIR/gold).

    Prints one column per configuration. Example: fieldnotes eval tests/devset --no-llm --model smollm2
    """
    from pipeline.evaluate import evaluate_configs, format_table

    names = list(model_names) or ([] if no_llm else [None])
    results = evaluate_configs(Path(gold_dir), names, no_llm)
    payload = results[0] if len(results) == 1 else results
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else format_table(*results))


@cli.command()
@click.option("--notes", type=int, default=8, show_default=True, help="Generated notes to process.")
@click.option("--folder", type=click.Path(exists=True, file_okay=False), help="Benchmark these notes instead.")
@click.option("--model", "model_name")
@click.option("--search-notes", type=int, default=10000, show_default=True)
@click.option("--out", type=click.Path(), default="docs/performance.md", show_default=True)
@domain_errors
def bench(notes, folder, model_name, search_notes, out):
    """Measure speed against the llama.cpp floor; writes JSON and docs/performance.md.

    Example: fieldnotes bench --notes 8
    """
    from pipeline.bench import run_bench

    click.echo(run_bench(notes, folder, model_name, search_notes, Path(out)))

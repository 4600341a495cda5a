"""Command line: parse, call one core function, print. Heavy modules are imported inside the
commands, so `fieldnotes --help` starts at once and never imports llama_cpp.

Every query command shares one output convention: a readable table on a terminal, or --json,
--nl, --csv, --tsv, with --limit.
"""
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


def _db_path(ctx_db: str | None) -> str:
    return ctx_db or os.environ.get("FIELDNOTES_DB") or "fieldnotes.db"


def _db_file(db: str | None) -> str:
    """The database file: this command's --db, else the one given before the command, else the default."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params.get("db") if ctx else None
    return _db_path(db or root)


def _open(db: str | None, create: bool = False):
    from pipeline.store import open_db

    return open_db(_db_file(db), create=create)


def domain_errors(fn):
    """The core's domain errors as one-line messages (exit 1), never tracebacks."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from pipeline.errors import FieldnotesError
        from pipeline.export.safe import terminal_line

        try:
            return fn(*args, **kwargs)
        except FieldnotesError as e:
            raise click.ClickException(terminal_line(e)) from e
        except sqlite3.DatabaseError as e:
            raise click.ClickException(terminal_line(f"database problem: {e} (check --db points at a Fieldnotes database; "
                                                     "if it is locked, wait for the other run)")) from e
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)

    return wrapper


db_option = click.option("-d", "--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)


def output_options(fn=None, *, limit: bool = True):
    """--json / --nl / --csv / --tsv / --no-bom / --limit, the same on every query command
    (`@output_options(limit=False)` for a command that prints one thing)."""
    opts = [
        click.option("--json", "fmt", flag_value="json", help="JSON (an array of rows; one object for a single record)."),
        click.option("--nl", "fmt", flag_value="nl", help="Newline-delimited JSON, one object per line (streams)."),
        click.option("--csv", "fmt", flag_value="csv", help="CSV for spreadsheets (UTF-8 with BOM, formulas neutralised)."),
        click.option("--tsv", "fmt", flag_value="tsv", help="Tab-separated values."),
        click.option("--no-bom", is_flag=True, help="CSV/TSV without the byte-order mark."),
    ]
    if limit:
        opts.append(click.option("--limit", type=int, default=None, help="At most this many rows."))

    def decorate(f):
        for opt in reversed(opts):
            f = opt(f)
        return f

    return decorate(fn) if fn is not None else decorate


def backend_options(fn):
    """--backend / --base-url / --api-key-env / --timeout, the same on every command that uses the model."""
    for opt in reversed([
        click.option("--backend", "backend_kind", type=click.Choice(["local", "openai"]), default=None,
                     help="local: the model in this process (default); openai: an OpenAI-compatible server (config: backend.kind)."),
        click.option("--base-url", "base_urls", multiple=True, metavar="URL",
                     help="Server URL, e.g. http://127.0.0.1:8080 (repeat for several: notes go round-robin; config: backend.base_url)."),
        click.option("--api-key-env", metavar="VAR", default=None, help="Environment variable holding the server's API key."),
        click.option("--timeout", type=float, default=None, help="Seconds to wait for one server answer (default 120)."),
    ]):
        fn = opt(fn)
    return fn


def _backend_settings(kind, base_urls, model_name, api_key_env, timeout, mode=None):
    from pipeline.backends import resolve_settings

    return resolve_settings(kind, base_urls, model_name, api_key_env, timeout, mode)


def emit(rows, fmt: str | None, columns, text_fn=None, no_bom: bool = False) -> None:
    """Print rows in the chosen format (a table or `text_fn` on a terminal by default)."""
    from pipeline.export.tables import render_rows

    if fmt is None and text_fn is not None:
        click.echo(text_fn(list(rows)))
        return
    for chunk in render_rows(rows, fmt or "table", columns, bom=not no_bom):
        click.echo(chunk, nl=False)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class _Group(click.Group):
    """Ctrl-C anywhere ends with one line and exit status 130, never a traceback or a bare 'Aborted!'."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("\nInterrupted; nothing half-done was saved. Run the same command again to continue.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fieldnotes")
@click.option("-d", "--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)
def cli(db) -> None:
    """Fieldnotes: informational-interview notes → structured records, leads and follow-ups.

    Everything runs locally with a small embedded model; notes never leave the machine.

    Example: fieldnotes run sample_notes/ && fieldnotes followups
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("-m", "--model", "model_name", help="Model alias or path to a .gguf (default: $FIELDNOTES_MODEL or the registry default).")
@click.option("--no-llm", is_flag=True, help="No model: the heads trained on lexical features only.")
@click.option("--force", is_flag=True, help="Re-process notes even when unchanged.")
@click.option("--max-bytes", type=int, default=None, help="Skip files larger than this (default 1 MB).")
@click.option("--threads", type=int, default=None, help="llama.cpp threads (default: physical cores - 1, at least 1).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Notes extracted at once (server: concurrent requests; local: worker processes). Config: run.jobs.")
@click.option("--mode", type=click.Choice(["auto", "heads", "llm"]), default=None,
              help="heads: trained heads decide; llm: the model writes the record, grounded in the note, heads as fallback; "
                   "auto: llm for models the registry marks big enough.")
@backend_options
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@domain_errors
def run(paths, db, model_name, no_llm, force, max_bytes, threads, jobs, mode, backend_kind, base_urls, api_key_env, timeout, as_json):
    """Ingest note files and folders, extract records with the local model (or a server), store them.

    Exit status: 0 all notes stored, 1 some files failed (listed), 2 usage error.

    Example: fieldnotes run notes/ interview.vtt --db jobs.db
    """
    from pipeline.export.safe import json_text, terminal_line

    if threads:
        os.environ["FIELDNOTES_THREADS"] = str(threads)
    if no_llm and mode == "llm":
        raise click.UsageError("--mode llm needs a model; drop --no-llm")
    try:
        from pipeline.backends.config import load_settings
        from pipeline.batch import LazyDecider, run_batch
        from pipeline.ingest import DEFAULT_MAX_BYTES

        settings = _backend_settings(backend_kind, base_urls, model_name, api_key_env, timeout, mode)
        decider = LazyDecider(model_name or (settings.model if settings.kind == "openai" else None), not no_llm, backend=settings, threads=threads)
        conn = _open(db, create=True)
        stdin = sys.stdin.buffer.read() if "-" in paths else None
        show = sys.stderr.isatty() and not as_json
        with _Progress(show) as progress:
            summary = run_batch(conn, list(paths), decider, force, max_bytes or DEFAULT_MAX_BYTES, stdin, progress,
                                jobs or load_settings().run.jobs)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted. Every finished note is stored in {terminal_line(_db_path(db))}; run the same command again to continue.",
                   err=True)
        sys.exit(130)
    for f in summary.failed:
        click.echo(terminal_line(f["error"] if f["error"].startswith(f["path"]) else f"{f['path']}: {f['error']}"), err=True)
    for s in summary.skipped:
        click.echo(terminal_line(f"{s['path']}: skipped, {s['reason']}"), err=True)
    if summary.stopped:
        click.echo(terminal_line(summary.stopped), err=True)
    click.echo(json_text(summary.as_dict()) if as_json else _run_text(conn, summary))
    sys.exit(EXIT_SOME_FAILED if summary.failed or summary.stopped else 0)


class _Progress:
    """A progress bar on a terminal; nothing when piped."""

    def __init__(self, show: bool) -> None:
        self.show, self.bar = show, None

    def __enter__(self):
        return self.update if self.show else None

    def update(self, label: str, i: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Extracting", file=sys.stderr, show_eta=True, item_show_func=lambda x: x)
            self.bar.__enter__()
        from pipeline.export.safe import terminal_line

        self.bar.update(1, terminal_line(Path(label).name)[:40])

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _run_text(conn, summary) -> str:
    from pipeline.batch import stored_summary
    from pipeline.export.safe import terminal_line as terminal

    parts = [f"{summary.processed} processed", f"{summary.unchanged} unchanged"]
    if summary.moved:
        parts.append(f"{summary.moved} moved")
    parts += [f"{len(summary.failed)} failed", f"{len(summary.skipped)} skipped"]
    lines = [", ".join(parts) + f" in {summary.seconds:.1f}s ({terminal(summary.model)})"]
    stored = stored_summary(conn, summary.sources)
    for r in stored["notes"]:
        org = f", {r['contact_org']}" if r["contact_org"] else ""
        lines.append(f"  {terminal(Path(r['source']).name)}: {terminal(r['contact_name'] or '?')}{terminal(org)} "
                     f"({terminal(r['interview_date'] or 'no date')})")
    lines.append(f"{stored['leads']} referral leads, {stored['open_tasks']} open follow-ups (see `fieldnotes leads`, `fieldnotes followups`)")
    return "\n".join(lines)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@click.option("--json", "fmt", flag_value="json", help="Same as --format json (one JSON array).")
@click.option("--nl", "fmt", flag_value="jsonl", help="Same as --format jsonl (one record per line).")
@click.option("--limit", type=int, default=None, help="At most this many records.")
@domain_errors
def export(db, fmt, limit):
    """Every record in the export contract (one JSON object per note).

    Example: fieldnotes export --format jsonl > records.jsonl
    """
    from itertools import islice

    from pipeline.export.safe import json_text
    from pipeline.export.tables import json_array
    from pipeline.query import export_records

    records = islice(export_records(_open(db)), limit)
    if fmt == "json":
        for chunk in json_array(records):
            click.echo(chunk, nl=False)
        return
    for r in records:
        click.echo(json_text(r))


@cli.command()
@click.argument("source")
@db_option
@output_options(limit=False)
@domain_errors
def show(source, db, fmt, no_bom):
    """One stored record, readably, with evidence offsets (any path naming the file, or a unique end of it).

    --json prints the record as one object in the export contract, --nl the same on one line;
    --csv and --tsv give one row per field and item (section, n, text, start, end, quote).

    Example: fieldnotes show sample_notes/01_hospice_nurse.txt --json
    """
    from pipeline.export.records import RECORD_COLUMNS, record_rows
    from pipeline.export.safe import json_text
    from pipeline.export.text import render_record
    from pipeline.query import export_record
    from pipeline.store import load_record, resolve_note

    conn = _open(db)
    if fmt in ("json", "nl"):
        data = export_record(conn, resolve_note(conn, source)[0])
        click.echo(json_text(data, indent=2 if fmt == "json" else None))
    elif fmt:
        emit(record_rows(export_record(conn, resolve_note(conn, source)[0])), fmt, RECORD_COLUMNS, None, no_bom)
    else:
        click.echo(render_record(load_record(conn, source)))


@cli.command()
@click.argument("query")
@db_option
@click.option("--kind", help="Only this item kind (skills, advice, outlook, day_in_life, how_to_get_in, fit, promise), or 'note'.")
@click.option("--org", help="Only interviews with this organisation.")
@click.option("--person", help="Only interviews with this contact.")
@click.option("--field", "field_", help="Only this career field.")
@click.option("--skill", help="Only notes that list this skill.")
@click.option("--since", help="Interview date on or after (YYYY-MM-DD, 'last month', '-2w' ...).")
@click.option("--until", help="Interview date on or before.")
@click.option("--quote", is_flag=True, help="Search for the words as typed (no FTS5 syntax).")
@output_options
@domain_errors
def search(query, db, kind, org, person, field_, skill, since, until, quote, fmt, no_bom, limit):
    """Full-text search over notes and extracted items (FTS5 syntax: portf*, OR, NEAR, "a phrase").

    Example: fieldnotes search "portfolio review" --kind advice
    """
    from pipeline.query import search as do_search

    rows = do_search(_open(db), query, kind, org, person, since, until, field_, skill, limit or 20, quote)
    emit(rows, fmt, ["source", "kind", "snippet", "contact_name", "interview_date", "start", "end", "rank"], _search_text, no_bom)


def _search_text(rows) -> str:
    from pipeline.export.safe import terminal_line as terminal

    if not rows:
        return "No matches. Try fewer words, a word stem with * (portf*), or --quote."
    bold = _color()
    out = []
    for r in rows:
        snippet = terminal(r["snippet"])
        if bold:
            snippet = snippet.replace("[", "\x1b[1m").replace("]", "\x1b[0m")
        out.append(f"{terminal(r['source'])} [{terminal(r['kind'])}] {snippet}")
    return "\n".join(out)


LEAD_COLUMNS = ["id", "name", "title", "organization", "email", "phone", "status", "referred_by", "sources", "reason", "first_referred",
                "linkedin"]


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["new", "contacted", "scheduled", "met", "closed"]), help="Only leads with this status.")
@click.option("--chain", "chain_name", help="Who introduced whom, ending at NAME.")
@click.option("--all", "everything", is_flag=True, help="Every lead (default: the first 50 on a terminal).")
@click.option("--format", "legacy", type=click.Choice(["text", "json", "csv", "vcard"]), default=None,
              help="vcard: vCard 4.0 contacts for an address book (also json, csv).")
@output_options
@click.pass_context
@domain_errors
def leads(ctx, db, status, chain_name, everything, legacy, fmt, no_bom, limit):
    """Referral leads across all notes, next to contact first.

    Example: fieldnotes leads --format vcard > leads.vcf
    """
    if ctx.invoked_subcommand:
        return
    from pipeline.export.text import leads_text
    from pipeline.query import iter_leads, referral_chain

    fmt = fmt or (legacy if legacy in ("json", "csv") else None)
    conn = _open(db)
    if legacy == "vcard":
        from pipeline.export.vcard import to_vcards

        click.echo(to_vcards(iter_leads(conn, status, limit if limit is not None else -1)), nl=False)
        return
    if chain_name:
        chain = referral_chain(conn, chain_name)
        if fmt:
            emit([{"position": i, "name": n} for i, n in enumerate(chain)], fmt, ["position", "name"], None, no_bom)
        else:
            from pipeline.export.safe import terminal_line

            click.echo(" → ".join(terminal_line(name) for name in chain))
        return
    n = limit if limit is not None else (-1 if everything or fmt else 50)
    emit(iter_leads(conn, status, n), fmt, LEAD_COLUMNS, lambda rows: leads_text(rows, _color()), no_bom)


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
    from pipeline.export.safe import terminal_line

    row = mark_lead_status(_open(db), lead_id, status)
    click.echo(f"{terminal_line(row['name'])}: {row['status']}")


PEOPLE_COLUMNS = ["name", "role", "title", "organization", "email", "phone", "status", "referred_by", "notes", "linkedin", "lead_id"]


@cli.command()
@db_option
@click.option("--role", type=click.Choice(["contact", "referral"]), help="Only contacts (you interviewed them) or referrals.")
@output_options
@domain_errors
def people(db, role, fmt, no_bom, limit):
    """Everyone in the notes with their role: the contacts you interviewed and the people they referred you to.

    Example: fieldnotes people --role contact --csv > contacts.csv
    """
    from pipeline.query import list_people

    rows = list_people(_open(db), role, limit if limit is not None else -1)
    emit(rows, fmt, PEOPLE_COLUMNS, _people_text, no_bom)


def _people_text(rows) -> str:
    from pipeline.export.tables import table

    if not rows:
        return "No people yet. Run `fieldnotes run NOTES` first."
    return table(rows, ["name", "role", "title", "organization", "email", "phone", "status"]).rstrip("\n")


@cli.group("import")
def import_group() -> None:
    """Bring in what other tools know about the people in your notes.

    Example: fieldnotes import linkedin ~/Downloads/Connections.csv
    """


@import_group.command("linkedin")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@domain_errors
def import_linkedin(path, db, as_json):
    """Store LinkedIn's Connections.csv, match leads with connections (the same e-mail or the same
    person's name) and fill their empty e-mails, organisations and titles, in one transaction.
    Importing again updates the connections and matches new leads.

    Example: fieldnotes import linkedin Connections.csv
    """
    from pipeline.ingest.linkedin import read_linkedin_connections
    from pipeline.store.connections import save_connections

    summary = save_connections(_open(db), read_linkedin_connections(path), Path(path).name)
    from pipeline.export.safe import json_text

    click.echo(json_text(summary.as_dict()) if as_json else _import_text(summary, Path(path).name))


def _import_text(summary, source: str) -> str:
    from pipeline.export.safe import terminal

    lines = [f"{summary.connections} connections from {terminal(source)} ({summary.added} new); {len(summary.matched)} match leads"]
    for m in summary.matched:
        filled = f": filled {', '.join(m['filled'])}" if m["filled"] else ""
        who = f"{m['was']} → {m['name']}" if m["was"] != m["name"] else m["name"]
        lines.append(f"  [{m['lead_id']}] {terminal(who)}{filled}")
    if summary.ambiguous:
        lines.append(f"  left alone (several connections could be them): {terminal(', '.join(summary.ambiguous))}")
    return "\n".join(lines)


@cli.command()
@db_option
@click.option("--metadata", "out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the metadata (default: metadata.json next to the database).")
@domain_errors
def datasette(db, out):
    """Write Datasette's metadata.json (table descriptions, facets, full-text search) and print the
    command that browses the database.

    Example: fieldnotes datasette --db jobs.db
    """
    import importlib.util
    import shutil

    from pipeline.export.datasette import datasette_command, datasette_metadata

    path = _db_file(db)
    _open(db)  # a Fieldnotes database, its shape brought up to date
    target = Path(out) if out else Path(path).parent / "metadata.json"
    target.write_text(json.dumps(datasette_metadata(path), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    installed = shutil.which("datasette") or importlib.util.find_spec("datasette")
    click.echo(f"wrote {target}" + ("" if installed else "; install Datasette with `pip install datasette`"), err=True)
    click.echo(datasette_command(path, target))


TASK_COLUMNS = ["id", "due", "action", "person", "kind", "status", "source", "why"]


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["open", "done", "snoozed", "orphaned", "all"]), default="open", show_default=True)
@click.option("--due-before", help="Only tasks due before this date (YYYY-MM-DD, 'friday', '+7d').")
@click.option("--overdue", is_flag=True, help="Only open tasks due before today.")
@click.option("--person", help="Only tasks about this person.")
@click.option("--all", "everything", is_flag=True, help="Every task (default: the first 100 on a terminal).")
@click.option("--format", "legacy", type=click.Choice(["text", "md", "json", "csv", "ics"]), default=None, help="md or ics (also json, csv).")
@click.option("--vdir", type=click.Path(file_okay=False), default=None,
              help="Write one .ics per task into this folder (a vdir for todoman, khal, vdirsyncer); use with --status all.")
@output_options
@click.pass_context
@domain_errors
def followups(ctx, db, status, due_before, overdue, person, everything, legacy, vdir, fmt, no_bom, limit):
    """Follow-up tasks grouped by due date; export as Markdown, iCalendar, CSV or JSON.

    Example: fieldnotes followups --overdue --format md
    """
    if ctx.invoked_subcommand:
        return
    from datetime import date

    from pipeline.export.tasks import to_ics, to_markdown
    from pipeline.export.text import tasks_text
    from pipeline.query import iter_tasks

    fmt = fmt or (legacy if legacy in ("json", "csv") else None)
    n = limit if limit is not None else (-1 if everything or fmt or legacy or vdir else 100)
    rows = iter_tasks(_open(db), status, due_before, overdue, person, limit=n)
    if vdir:
        from pipeline.export.tasks import save_vdir

        click.echo(f"{save_vdir(Path(vdir), list(rows))} tasks written to {vdir}")
    elif legacy == "md":
        click.echo(to_markdown(list(rows)), nl=False)
    elif legacy == "ics":
        click.echo(to_ics(list(rows)), nl=False)
    else:
        today = date.today().isoformat()
        emit(rows, fmt, TASK_COLUMNS, lambda r: tasks_text(r, _color(), today), no_bom)


@followups.command("done")
@click.argument("task_id")
@db_option
@domain_errors
def followups_done(task_id, db):
    """Check off a task (an id or a unique start of one).

    Example: fieldnotes followups done 3f2a9c
    """
    from pipeline.actions import set_task_status
    from pipeline.export.safe import terminal_line

    t = set_task_status(_open(db), task_id, "done")
    click.echo(f"done: {terminal_line(t['action'])}")


@followups.command("reopen")
@click.argument("task_id")
@db_option
@domain_errors
def followups_reopen(task_id, db):
    """Open a done or snoozed task again.

    Example: fieldnotes followups reopen 3f2a9c
    """
    from pipeline.actions import set_task_status
    from pipeline.export.safe import terminal_line

    t = set_task_status(_open(db), task_id, "open")
    click.echo(f"open: {terminal_line(t['action'])}")


@followups.command("snooze")
@click.argument("task_id")
@click.option("--until", "until", required=True, help="A date: YYYY-MM-DD, 'next friday', 'in 2 weeks', '+3d'.")
@db_option
@domain_errors
def followups_snooze(task_id, until, db):
    """Hide a task until a date.

    Example: fieldnotes followups snooze 3f2a9c --until "next monday"
    """
    from pipeline.actions import set_task_status
    from pipeline.export.safe import terminal_line

    t = set_task_status(_open(db), task_id, "snoozed", until)
    click.echo(f"snoozed until {t['snoozed_until']}: {terminal_line(t['action'])}")


@followups.command("add")
@click.argument("text")
@click.option("--due", help="A date: YYYY-MM-DD, 'tomorrow', 'next friday', '+3d'.")
@click.option("--person")
@db_option
@domain_errors
def followups_add(text, due, person, db):
    """Add your own task.

    Example: fieldnotes followups add "Send portfolio to Lena" --due friday
    """
    from pipeline.actions import add_task

    t = add_task(_open(db), text, due, person)
    click.echo(t["id"])


@cli.command()
@click.argument("source")
@db_option
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="e.g. --set contact.name='Dan Reyes' (repeatable).")
@click.option("--remove", "removes", multiple=True, metavar="KIND:N", help="Remove item N of a list, e.g. --remove advice:2.")
@click.option("--not-referral", "not_refs", multiple=True, metavar="NAME", help="This person is not a referral.")
@click.option("--referral", "refs", multiple=True, metavar="NAME", help="This person (named in the note) is a referral.")
@domain_errors
def edit(source, db, sets, removes, not_refs, refs):
    """Correct a record; corrections win over the model, survive re-processing and teach `train --with-corrections`.

    Without options, opens $EDITOR on the record as JSON.

    Example: fieldnotes edit notes/dan.md --set contact.organization=Lumen --remove advice:0
    """
    from pipeline.actions import edit_record, remove_item

    bad = [s for s in sets if "=" not in s]
    if bad:
        raise click.BadParameter(f"'{bad[0]}' needs the form PATH=VALUE, e.g. contact.name='Dan Reyes'", param_hint="--set")
    conn = _open(db)
    n = 0
    for r in removes:
        kind, _, idx = r.partition(":")
        if not idx.isdigit():
            raise click.BadParameter(f"'{r}' needs the form KIND:N, e.g. advice:2", param_hint="--remove")
        remove_item(conn, source, kind, int(idx))
        n += 1
    ops = [{"op": "referral", "path": "referrals", "value": json.dumps({"name": name, "referral": flag})}
           for names, flag in ((not_refs, False), (refs, True)) for name in names]
    if sets or ops:
        n += edit_record(conn, source, [s.split("=", 1) for s in sets] or None, ops=ops)
    elif not removes:
        from pipeline.store import load_record

        before = load_record(conn, source).model_dump_json(indent=2)
        after = click.edit(before, extension=".json")
        if after is None:
            click.echo("No changes.")
            return
        n = edit_record(conn, source, None, after)
    from pipeline.export.safe import terminal_line

    click.echo(f"{n} correction(s) saved for {terminal_line(source)}")


@cli.command()
@click.argument("task_id")
@db_option
@click.option("-m", "--model", "model_name", help="Model alias or .gguf path (with --backend openai: the server's model name).")
@backend_options
@domain_errors
def draft(task_id, db, model_name, backend_kind, base_urls, api_key_env, timeout):
    """Draft the thank-you or introduction e-mail for a task with the local model (or a server).

    Example: fieldnotes draft 3f2a9c10b4
    """
    from pipeline.actions import draft_email
    from pipeline.backends import load_backend

    settings = _backend_settings(backend_kind, base_urls, model_name, api_key_env, timeout)
    name = model_name or (settings.model if settings.kind == "openai" else None)
    from pipeline.export.safe import terminal

    click.echo(terminal(draft_email(_open(db), task_id, name, loader=lambda n: load_backend(settings, n))))


@cli.group()
def config():
    """Your settings (backend, server URLs, jobs), kept in your config folder; `config list` shows them all.

    Example: fieldnotes config set backend.base_url http://127.0.0.1:8080
    """


@config.command("set")
@click.argument("key")
@click.argument("value")
@domain_errors
def config_set(key, value):
    """Store one setting, e.g. backend.kind openai, backend.base_url URL[,URL], backend.model NAME, run.jobs 4.

    Example: fieldnotes config set backend.base_url http://127.0.0.1:8080,http://127.0.0.1:8081
    """
    from pipeline.backends.config import config_path, set_setting

    stored = set_setting(key, value)
    click.echo(f"{key} = {json.dumps(stored)} ({config_path()})")


@config.command("unset")
@click.argument("key")
@domain_errors
def config_unset(key):
    """Remove one setting (back to its default).

    Example: fieldnotes config unset backend.base_url
    """
    from pipeline.backends.config import unset_setting

    unset_setting(key)
    click.echo(f"{key} unset")


@config.command("list")
@output_options
@domain_errors
def config_list(fmt, no_bom, limit):
    """Every setting with its value; * marks the ones you set.

    Example: fieldnotes config list --json
    """
    from pipeline.backends.config import config_path, setting_rows

    rows = setting_rows()[: limit or None]

    def text(rs):
        return "\n".join([f"# {config_path()}"] + [f"{'*' if r['set'] else ' '} {r['key']} = {json.dumps(r['value'])}" for r in rs])

    emit(rows, fmt, ["key", "value", "set"], text, no_bom)


@cli.command()
@output_options
@domain_errors
def models(fmt, no_bom, limit):
    """The model registry, the default (*), availability and which trained heads each has.

    Example: FIELDNOTES_MODEL=gemma3-270m fieldnotes models
    """
    from pipeline.decide.registry import list_models
    from pipeline.export.safe import terminal_line as t

    rows = list_models()[: limit or None]

    def text(rs):
        return "\n".join(f"{'*' if r['default'] else ' '} {t(r['alias']):<14} {'available' if r['available'] else 'missing  '}  "
                         f"heads: {t(r['heads'] or 'none')}  {t(r['description'])}" for r in rs)

    emit(rows, fmt, ["alias", "default", "available", "heads", "description", "path"], text, no_bom)


@cli.command("eval")
@click.argument("gold_dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("-m", "--model", "model_names", multiple=True, help="Model alias or .gguf path (repeat to compare).")
@click.option("--no-llm", is_flag=True, help="Also (or only) score the lexical heads, no model.")
@click.option("--cv", type=click.Choice(["style", "batch"]), default=None,
              help="Cross-validate: batch = leave one author batch out; style = 10 folds of whole styles, so each "
                   "note is scored by heads trained on no note of its style.")
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def eval_cmd(gold_dirs, model_names, no_llm, cv, as_json):
    """Score extraction against annotated notes (FOLDER/notes + FOLDER/gold; default: the shipped corpus).

    Example: fieldnotes eval --cv style --no-llm --model smollm2
    """
    from pipeline.dev.report import run_eval

    payload, table = run_eval(list(gold_dirs), list(model_names), no_llm, cv, progress=_stderr_progress())
    click.echo(json.dumps(payload, ensure_ascii=False, default=str) if as_json else table)


@cli.command()
@click.option("-m", "--model", "model_name", default=None, help="Train heads for this model's vectors (default: the default model).")
@click.option("--no-llm", is_flag=True, help="Train the lexical heads (no model).")
@click.option("--corpus", "corpora", multiple=True, type=click.Path(exists=True, file_okay=False), help="Corpus folders (default: the shipped corpus).")
@click.option("--with-corrections", is_flag=True, help="Add your corrections from --db as training examples (heads go to your data folder).")
@db_option
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the heads here (default: the package's models/heads, or your data folder with corrections).")
@domain_errors
def train(model_name, no_llm, corpora, with_corrections, db, out):
    """Fit the trained heads from the annotated corpus (and your corrections).

    Example: fieldnotes train --no-llm && fieldnotes train --model smollm2
    """
    from pipeline.dev.report import run_train

    click.echo(run_train(model_name, no_llm, list(corpora), _open(db) if with_corrections else None, out, progress=_stderr_progress()))


@cli.command()
@click.option("--notes", type=int, default=8, show_default=True, help="Generated notes to run through the pipeline.")
@click.option("--folder", type=click.Path(exists=True, file_okay=False), help="Run these notes through the pipeline instead.")
@click.option("-m", "--model", "model_name")
@click.option("--search-notes", type=int, default=1000, show_default=True, help="Notes in the small database (the ratios' baseline).")
@click.option("--scale", type=click.IntRange(min=200), default=None, help="Also build a database of N notes and report it against the small one.")
@click.option("--threads", callback=lambda ctx, param, value: _int_list(value, param), default=None, metavar="1,2",
              help="llama.cpp thread counts to compare (default: 1 to the number of CPUs).")
@click.option("--out", type=click.Path(), default="docs/performance.md", show_default=True)
@click.option("--backend", "backend_kind", type=click.Choice(["local", "openai"]), default=None,
              help="openai: notes/minute through one and two local llama_cpp.server processes against in-process (docs/scale.md).")
@click.option("--jobs", "jobs_list", default=None, metavar="N,N,...", help="Jobs values to measure with --backend openai (default 1,2,4).")
@click.option("--servers", "servers_list", default="1,2", show_default=True, metavar="N,N", help="Local servers to start with --backend openai.")
@domain_errors
def bench(notes, folder, model_name, search_notes, scale, threads, out, backend_kind, jobs_list, servers_list):
    """Speed per note, threads, queries, start-up and scale; writes docs/performance.md and its JSON
    (--backend openai: servers against in-process, docs/scale.md).

    Example: fieldnotes bench --scale 50000 --threads 1,2
    """
    if backend_kind == "openai" or jobs_list:
        from pipeline.dev.bench_backends import run_backend_bench

        jobs = [int(j) for j in (jobs_list or "1,2,4").split(",")]
        servers = [int(n) for n in servers_list.split(",")]
        click.echo(run_backend_bench(jobs, servers, max(notes, 16) if notes == 8 else notes, folder, model_name or "smollm2",
                                     Path("docs/scale-bench.json"), progress=_stderr_progress()))
        return
    from pipeline.dev.bench import run_bench

    click.echo(run_bench(notes, folder, model_name, search_notes, Path(out), scale, threads, progress=lambda msg: click.echo(msg, err=True)))


def _int_list(value: str | None, param) -> list[int] | None:
    if value is None:
        return None
    try:
        out = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        raise click.BadParameter(f"'{value}' is not a list of thread counts; use e.g. 1,2", param=param)
    return out


def _stderr_progress():
    if not sys.stderr.isatty():
        return None
    return lambda msg: click.echo(f"  {msg}", err=True)


# --- review page -------------------------------------------------------------------------------
@cli.command()
@click.argument("source", required=False)
@db_option
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default 8765, or any free one when taken; 0: any free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@click.option("--static", "static_dir", type=click.Path(file_okay=False), help="Write the pages as read-only HTML files here instead.")
@domain_errors
def review(source, db, port, open_browser, static_dir):
    """See every extracted span in its note and correct it, on a local page (127.0.0.1 only).

    Corrections are stored like `fieldnotes edit`: they win over the model, survive
    re-processing and teach `train --with-corrections`.

    Example: fieldnotes review --open
    """
    from pipeline.store import resolve_note

    conn = _open(db)
    start = resolve_note(conn, source)[0] if source else None
    if static_dir:
        from pipeline.review import write_static

        files = write_static(conn, static_dir, source)
        click.echo(f"{len(files)} pages written to {static_dir} (open {Path(static_dir) / 'index.html'})")
        return
    from pipeline.review import make_server

    server = make_server(_db_file(db), port, start)
    click.echo(f"Review page: {server.url}  (only this computer can open it; Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


# --- insights across interviews (pipeline/insights) ------------------------------------------

COVERAGE_COLUMNS = ["source", "contact", "field", "covered", "total", "missing", "questions"]


@cli.command()
@click.argument("source", required=False)
@db_option
@click.option("--llm", is_flag=True, help="Let the local model word the questions from the note's facts (kept only when grounded).")
@click.option("-m", "--model", "model_name", help="Model alias or .gguf path for --llm.")
@output_options
@domain_errors
def coverage(source, db, llm, model_name, fmt, no_bom, limit):
    """Which interview topics each note covers (with evidence) and what to ask next time.

    Example: fieldnotes coverage sample_notes/01_hospice_nurse.txt
    """
    from pipeline.insights.coverage import coverage_text, extract_coverage, fill_questions
    from pipeline.insights.data import load_interviews

    conn = _open(db)
    interviews = load_interviews(conn)
    if source:
        from pipeline.store import resolve_note

        note_id, _ = resolve_note(conn, source)
        interviews = [iv for iv in interviews if iv.note_id == note_id]
    rows = [extract_coverage(iv) for iv in interviews[: limit or None]]
    if llm:
        from pipeline.decide.runtime import load_model

        model = load_model(model_name)
        rows = [fill_questions(r, iv, model) for r, iv in zip(rows, interviews)]
    flat = [dict(r, questions=[q["question"] for q in r["questions"]]) for r in rows] if fmt in ("csv", "tsv") else rows
    emit(flat, fmt, COVERAGE_COLUMNS, lambda rs: coverage_text(rs, detail=bool(source)), no_bom)


@cli.command()
@db_option
@click.option("--field", "field_", help="Only this career field (its name, or part of it).")
@click.option("--me", "me_file", type=click.Path(exists=True, dir_okay=False), help="Your skills from a me.md file (default: `fieldnotes me`).")
@click.option("--embed", is_flag=True, help="Group advice by the local model's embeddings instead of shared words.")
@click.option("-m", "--model", "model_name", help="Model alias or .gguf path for --embed.")
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON (docs/insights.md).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Write a standalone HTML report.")
@click.option("--png", "png_file", type=click.Path(dir_okay=False), help="Write the skills chart and referral graph as PNG.")
@click.option("--svg", "svg_file", type=click.Path(dir_okay=False), help="The same picture as SVG.")
@domain_errors
def insights(db, field_, me_file, embed, model_name, as_json, html_file, png_file, svg_file):
    """Across interviews: skills per field and your gaps, outlook, recurring advice, the referral network.

    Example: fieldnotes insights --field "data analytics" --png insights.png
    """
    from pipeline.insights.me import load_profile, read_me_file
    from pipeline.insights.report import build_insights, insights_text

    conn = _open(db)
    skills, origin = (read_me_file(me_file), me_file) if me_file else (load_profile(conn, "skills"), "database")
    model = None
    if embed:
        from pipeline.decide.runtime import load_model

        model = load_model(model_name)
    report = build_insights(conn, field_, skills, origin, model)
    written = _insights_files(report, html_file, png_file, svg_file)
    if as_json:
        from pipeline.export.safe import json_text

        click.echo(json_text(report, indent=2))
    else:
        click.echo(insights_text(report, "█" if sys.stdout.isatty() else "#"))
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _insights_files(report, html_file, png_file, svg_file) -> list[str]:
    from pipeline.insights.charts import save_html, save_pictures

    written = save_pictures(report, png_file, svg_file)
    return written + ([save_html(report, html_file)] if html_file else [])


@cli.command()
@db_option
@click.option("--week", is_flag=True, help="The next seven days (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "ics", "json"]), default="text", show_default=True)
@click.option("--leads", "n_leads", type=int, default=5, show_default=True, help="How many leads to suggest.")
@click.option("--on", "on_day", help="Plan as of this date (default today; YYYY-MM-DD, 'next monday', '+7d').")
@domain_errors
def plan(db, week, fmt, n_leads, on_day):
    """Overdue and due follow-ups, the leads to contact next and the questions to ask them.

    Example: fieldnotes plan --week --format md > week.md
    """
    from datetime import date

    from pipeline.insights.plan import build_plan, plan_ics, plan_markdown, plan_text
    from pipeline.query import parse_day

    day = date.fromisoformat(parse_day(on_day, "--on")) if on_day else None
    result = build_plan(_open(db), today=day, week=week, leads=n_leads)
    if fmt == "json":
        from pipeline.export.safe import json_text

        click.echo(json_text(result, indent=2))
        return
    click.echo({"text": plan_text, "md": plan_markdown, "ics": plan_ics}[fmt](result), nl=fmt == "text")


@cli.group(invoke_without_command=True)
@db_option
@click.pass_context
@domain_errors
def me(ctx, db):
    """Your own profile (the skills you have), set against what contacts name in `insights`.

    Example: fieldnotes me set skills "SQL, Python, Excel"
    """
    if ctx.invoked_subcommand:
        return
    from pipeline.insights.me import load_profile

    skills = load_profile(_open(db), "skills")
    click.echo(f"skills: {', '.join(skills)}" if skills else 'No skills set (fieldnotes me set skills "SQL, Python").')


@me.command("set")
@click.argument("key", type=click.Choice(["skills"]))
@click.argument("value")
@db_option
@domain_errors
def me_set(key, value, db):
    """Replace your skills with a comma-separated list.

    Example: fieldnotes me set skills "SQL, Python"
    """
    from pipeline.insights.me import save_profile

    stored = save_profile(_open(db), key, value)
    click.echo(f"{key}: {', '.join(stored)}")

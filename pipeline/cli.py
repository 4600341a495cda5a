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


def _open(db: str | None, create: bool = False):
    from pipeline.store import open_db

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params.get("db") if ctx else None
    return open_db(_db_path(db or root), create=create)


def domain_errors(fn):
    """The core's domain errors as one-line messages (exit 1), never tracebacks."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from pipeline.errors import FieldnotesError

        try:
            return fn(*args, **kwargs)
        except FieldnotesError as e:
            raise click.ClickException(str(e)) from e
        except sqlite3.DatabaseError as e:
            raise click.ClickException(f"database problem: {e} (check --db points at a Fieldnotes database; if it is locked, wait for the other run)") from e
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)

    return wrapper


db_option = click.option("-d", "--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)


def output_options(fn):
    """--json / --nl / --csv / --tsv / --limit, the same on every query command."""
    for opt in reversed([
        click.option("--json", "fmt", flag_value="json", help="A JSON array."),
        click.option("--nl", "fmt", flag_value="nl", help="Newline-delimited JSON, one object per line (streams)."),
        click.option("--csv", "fmt", flag_value="csv", help="CSV for spreadsheets (UTF-8 with BOM, formulas neutralised)."),
        click.option("--tsv", "fmt", flag_value="tsv", help="Tab-separated values."),
        click.option("--no-bom", is_flag=True, help="CSV/TSV without the byte-order mark."),
        click.option("--limit", type=int, default=None, help="At most this many rows."),
    ]):
        fn = opt(fn)
    return fn


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@domain_errors
def run(paths, db, model_name, no_llm, force, max_bytes, threads, as_json):
    """Ingest note files and folders, extract records with the local model, store them.

    Exit status: 0 all notes stored, 1 some files failed (listed), 2 usage error.

    Example: fieldnotes run notes/ interview.vtt --db jobs.db
    """
    from pipeline.batch import LazyDecider, run_batch
    from pipeline.ingest import DEFAULT_MAX_BYTES

    if threads:
        os.environ["FIELDNOTES_THREADS"] = str(threads)
    conn = _open(db, create=True)
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    show = sys.stderr.isatty() and not as_json
    try:
        with _Progress(show) as progress:
            summary = run_batch(conn, list(paths), LazyDecider(model_name, not no_llm), force, max_bytes or DEFAULT_MAX_BYTES, stdin, progress)
    except KeyboardInterrupt:
        stored = conn.execute("SELECT COUNT(*) FROM records WHERE complete = 1").fetchone()[0]
        click.echo(f"\nInterrupted. Every finished note is stored ({stored} in {_db_path(db)}); run the same command again to continue.", err=True)
        sys.exit(130)
    for f in summary.failed:
        click.echo(f["error"] if f["error"].startswith(f["path"]) else f"{f['path']}: {f['error']}", err=True)
    for s in summary.skipped:
        click.echo(f"{s['path']}: skipped, {s['reason']}", err=True)
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False) if as_json else _run_text(conn, summary))
    sys.exit(EXIT_SOME_FAILED if summary.failed else 0)


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
        self.bar.update(1, Path(label).name[:40])

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _run_text(conn, summary) -> str:
    from pipeline.batch import stored_summary
    from pipeline.export.safe import terminal

    parts = [f"{summary.processed} processed", f"{summary.unchanged} unchanged"]
    if summary.moved:
        parts.append(f"{summary.moved} moved")
    parts += [f"{len(summary.failed)} failed", f"{len(summary.skipped)} skipped"]
    lines = [", ".join(parts) + f" in {summary.seconds:.1f}s ({summary.model})"]
    stored = stored_summary(conn, summary.sources)
    for r in stored["notes"]:
        org = f", {r['contact_org']}" if r["contact_org"] else ""
        lines.append(f"  {terminal(Path(r['source']).name)}: {terminal(r['contact_name'] or '?')}{terminal(org)} ({r['interview_date'] or 'no date'})")
    lines.append(f"{stored['leads']} referral leads, {stored['open_tasks']} open follow-ups (see `fieldnotes leads`, `fieldnotes followups`)")
    return "\n".join(lines)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@domain_errors
def export(db, fmt):
    """Every record in the export contract (one JSON object per note).

    Example: fieldnotes export --format jsonl > records.jsonl
    """
    from pipeline.export.tables import json_array
    from pipeline.query import export_records

    records = export_records(_open(db))
    if fmt == "json":
        for chunk in json_array(records):
            click.echo(chunk, nl=False)
        return
    for r in records:
        click.echo(json.dumps(r, ensure_ascii=False))


@cli.command()
@click.argument("source")
@db_option
@click.option("--json", "as_json", is_flag=True)
@domain_errors
def show(source, db, as_json):
    """One stored record, readably, with evidence offsets (any path naming the file, or a unique end of it).

    Example: fieldnotes show sample_notes/01_hospice_nurse.txt
    """
    from pipeline.export.text import render_record
    from pipeline.store import load_record

    rec = load_record(_open(db), source)
    click.echo(rec.model_dump_json(indent=2) if as_json else render_record(rec))


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
    from pipeline.export.safe import terminal

    if not rows:
        return "No matches. Try fewer words, a word stem with * (portf*), or --quote."
    bold = _color()
    out = []
    for r in rows:
        snippet = terminal(r["snippet"])
        if bold:
            snippet = snippet.replace("[", "\x1b[1m").replace("]", "\x1b[0m")
        out.append(f"{terminal(r['source'])} [{r['kind']}] {snippet}")
    return "\n".join(out)


LEAD_COLUMNS = ["id", "name", "title", "organization", "email", "phone", "status", "referred_by", "sources", "reason", "first_referred"]


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["new", "contacted", "scheduled", "met", "closed"]), help="Only leads with this status.")
@click.option("--chain", "chain_name", help="Who introduced whom, ending at NAME.")
@click.option("--all", "everything", is_flag=True, help="Every lead (default: the first 50 on a terminal).")
@click.option("--format", "legacy", type=click.Choice(["text", "json", "csv"]), default=None, hidden=True)
@output_options
@click.pass_context
@domain_errors
def leads(ctx, db, status, chain_name, everything, legacy, fmt, no_bom, limit):
    """Referral leads across all notes, next to contact first.

    Example: fieldnotes leads --csv > leads.csv
    """
    if ctx.invoked_subcommand:
        return
    from pipeline.export.text import leads_text
    from pipeline.query import iter_leads, referral_chain

    fmt = fmt or (legacy if legacy in ("json", "csv") else None)
    conn = _open(db)
    if chain_name:
        chain = referral_chain(conn, chain_name)
        if fmt:
            emit([{"position": i, "name": n} for i, n in enumerate(chain)], fmt, ["position", "name"], None, no_bom)
        else:
            click.echo(" → ".join(chain))
        return
    n = limit if limit is not None else (-1 if everything or fmt else 50)
    emit(iter_leads(conn, status, n), fmt, LEAD_COLUMNS, leads_text, no_bom)


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


TASK_COLUMNS = ["id", "due", "action", "person", "kind", "status", "source", "why"]


@cli.group(invoke_without_command=True)
@db_option
@click.option("--status", type=click.Choice(["open", "done", "snoozed", "orphaned", "all"]), default="open", show_default=True)
@click.option("--due-before", help="Only tasks due before this date (YYYY-MM-DD, 'friday', '+7d').")
@click.option("--overdue", is_flag=True, help="Only open tasks due before today.")
@click.option("--person", help="Only tasks about this person.")
@click.option("--all", "everything", is_flag=True, help="Every task (default: the first 100 on a terminal).")
@click.option("--format", "legacy", type=click.Choice(["text", "md", "json", "csv", "ics"]), default=None, help="md or ics (also json, csv).")
@output_options
@click.pass_context
@domain_errors
def followups(ctx, db, status, due_before, overdue, person, everything, legacy, fmt, no_bom, limit):
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
    n = limit if limit is not None else (-1 if everything or fmt or legacy else 100)
    rows = iter_tasks(_open(db), status, due_before, overdue, person, limit=n)
    if legacy == "md":
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

    t = set_task_status(_open(db), task_id, "done")
    click.echo(f"done: {t['action']}")


@followups.command("reopen")
@click.argument("task_id")
@db_option
@domain_errors
def followups_reopen(task_id, db):
    """Open a done or snoozed task again.

    Example: fieldnotes followups reopen 3f2a9c
    """
    from pipeline.actions import set_task_status

    t = set_task_status(_open(db), task_id, "open")
    click.echo(f"open: {t['action']}")


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

    t = set_task_status(_open(db), task_id, "snoozed", until)
    click.echo(f"snoozed until {t['snoozed_until']}: {t['action']}")


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
    click.echo(f"{n} correction(s) saved for {source}")


@cli.command()
@click.argument("task_id")
@db_option
@click.option("-m", "--model", "model_name", help="Model alias or .gguf path.")
@domain_errors
def draft(task_id, db, model_name):
    """Draft the thank-you or introduction e-mail for a task with the local model.

    Example: fieldnotes draft 3f2a9c10b4
    """
    from pipeline.actions import draft_email

    click.echo(draft_email(_open(db), task_id, model_name))


@cli.command()
@output_options
@domain_errors
def models(fmt, no_bom, limit):
    """The model registry, the default (*), availability and which trained heads each has.

    Example: FIELDNOTES_MODEL=gemma3-270m fieldnotes models
    """
    from pipeline.decide.registry import list_models

    rows = list_models()[: limit or None]

    def text(rs):
        return "\n".join(f"{'*' if r['default'] else ' '} {r['alias']:<14} {'available' if r['available'] else 'missing  '}  "
                         f"heads: {r['heads'] or 'none'}  {r['description']}" for r in rs)

    emit(rows, fmt, ["alias", "default", "available", "heads", "description", "path"], text, no_bom)


@cli.command("eval")
@click.argument("gold_dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("-m", "--model", "model_names", multiple=True, help="Model alias or .gguf path (repeat to compare).")
@click.option("--no-llm", is_flag=True, help="Also (or only) score the lexical heads, no model.")
@click.option("--cv", type=click.Choice(["style", "batch"]), default=None,
              help="Cross-validate: train on all other styles (or author batches), score each held-out one.")
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
@domain_errors
def bench(notes, folder, model_name, search_notes, scale, threads, out):
    """Speed per note, threads, queries, start-up and scale; writes docs/performance.md and its JSON.

    Example: fieldnotes bench --scale 50000 --threads 1,2
    """
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

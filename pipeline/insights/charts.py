"""Pictures of the insights: the skills bar chart and the referral graph side by side, as PNG or
SVG (matplotlib; networkx lays out the graph by hops from the first contacts), and a standalone
HTML page with the SVG inline. SVG text stays text, so the labels can be searched and read by a
screen reader; a PNG carries the same labels as its description."""
from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

TOP_SKILLS = 12
COLOURS = {"interviewed": "#4C72B0", "contacted": "#DD8452", "new": "#BBBBBB"}
SIZE = (13, 6)
DPI = 100


def save_pictures(report: dict[str, Any], png: str | Path | None = None, svg: str | Path | None = None) -> list[str]:
    """Write the picture as PNG and/or SVG; returns the paths written."""
    written = []
    for path, fmt in ((png, "png"), (svg, "svg")):
        if path:
            Path(path).write_bytes(render_picture(report, fmt))
            written.append(str(path))
    return written


def render_picture(report: dict[str, Any], fmt: str) -> bytes:
    """The two-panel picture as PNG or SVG bytes (the same report gives the same SVG)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fieldnotes", "font.size": 9}):
        fig = Figure(figsize=SIZE, dpi=DPI)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
        _skills_panel(left, report)
        _network_panel(right, report["network"])
        fig.tight_layout()
        buf = io.BytesIO()
        meta = {"Title": _title(report), "Description": alt_text(report)}
        if fmt == "svg":
            meta["Date"] = None  # the same report gives the same file
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


def alt_text(report: dict[str, Any]) -> str:
    """What the picture shows, in words."""
    skills = "; ".join(f"{s['skill']} {s['contacts']}" for s in report["skills"][:TOP_SKILLS])
    edges = "; ".join(f"{e['from']} -> {e['to']}" for e in report["network"]["edges"])
    return f"Skills named by the most contacts: {skills}. Referrals: {edges or 'none'}."


def save_html(report: dict[str, Any], path: str | Path) -> str:
    """A standalone HTML page: the picture (inline SVG) and the report's tables; every note text escaped."""
    svg = render_picture(report, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    e = html.escape
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{e(_title(report))}</title>",
             "<style>body{font:14px system-ui,sans-serif;max-width:1100px;margin:2em auto}td,th{padding:2px 8px;text-align:left}"
             "svg{max-width:100%;height:auto}</style>", f"<h1>{e(_title(report))}</h1>", svg]
    for f in report["fields"]:
        parts.append(f"<h2>{e(f['field'])} ({f['interviews']} interviews)</h2><table><tr><th>skill<th>contacts<th>sources</tr>")
        parts += [f"<tr><td>{e(s['skill'])}<td>{s['contacts']} of {s['of']}<td>{e(', '.join(s['sources']))}</tr>" for s in f["skills"]]
        parts.append("</table>")
        parts += [f"<p>Gap: {e(g['text'])}</p>" for g in f["gaps"]]
        o = f["outlook"]["sentiment"]
        parts.append("<p>Outlook: " + e(", ".join(f"{n} {k}" for k, n in o.items() if n)) + "</p><ul>")
        parts += [f"<li>{e(p['text'])} <small>({e(p['contact'])})</small></li>" for p in f["outlook"]["points"]]
        parts.append("</ul>")
    parts.append("<h2>Advice that recurs</h2><ul>")
    parts += [f"<li>{e(g['advice'])} <small>— {g['contacts']} contacts: {e(', '.join(g['names']))}</small></li>" for g in report["advice"]]
    parts.append("</ul><h2>Leads not contacted yet</h2><ul>")
    parts += [f"<li>{e(p['name'])} <small>referred by {e(', '.join(p['referred_by']))}</small></li>"
              for p in report["network"]["leads_not_contacted"]]
    parts.append("</ul></html>\n")
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return str(path)


def _title(report: dict[str, Any]) -> str:
    scope = f" in {report['field']}" if report.get("field") else ""
    return f"Fieldnotes insights{scope}: {report['interviews']} interviews"


def _skills_panel(ax, report: dict[str, Any]) -> None:
    rows = report["skills"][:TOP_SKILLS][::-1]
    ax.set_title("Skills named by the most contacts")
    if not rows:
        ax.text(0.5, 0.5, "no skills recorded", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    ax.barh([s["skill"] for s in rows], [s["contacts"] for s in rows], color=COLOURS["interviewed"])
    for i, s in enumerate(rows):
        ax.text(s["contacts"], i, f" {s['contacts']}", va="center")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"contacts (of {report['contacts']})")
    ax.spines[["top", "right"]].set_visible(False)


def _network_panel(ax, net: dict[str, Any]) -> None:
    ax.set_title("Who referred whom")
    ax.set_axis_off()
    if not net["edges"]:
        ax.text(0.5, 0.5, "no referrals yet", ha="center", va="center", transform=ax.transAxes)
        return
    import networkx as nx

    linked = {e["from"] for e in net["edges"]} | {e["to"] for e in net["edges"]}
    people = sorted((p for p in net["people"] if p["name"] in linked), key=lambda p: (not p["chain"], p["chain"]))  # next to the referrer
    deepest = max((p["hops"] or 0 for p in people), default=0)
    layers: dict[int, list[str]] = {}
    graph = nx.DiGraph()
    for p in people:
        graph.add_node(p["name"], kind=_kind(p))
        layers.setdefault(p["hops"] if p["hops"] is not None else deepest + 1, []).insert(0, p["name"])  # first on top
    graph.add_edges_from((e["from"], e["to"]) for e in net["edges"])
    pos = nx.multipartite_layout(graph, subset_key=dict(sorted(layers.items())), align="vertical")
    alone = len(net["people"]) - len(people)
    if alone:
        ax.set_title(f"Who referred whom (not shown: {alone} contacts without referrals)")
    colours = [COLOURS[graph.nodes[n]["kind"]] for n in graph.nodes]
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, arrowsize=8, edge_color="#888888", node_size=120)
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colours, node_size=120)
    for name, (x, y) in pos.items():
        ax.text(x, y + 0.03, name, ha="center", va="bottom", fontsize=7)
    for kind, colour in COLOURS.items():
        ax.scatter([], [], color=colour, label={"interviewed": "interviewed", "contacted": "contacted, scheduled or met",
                                                "new": "lead, not contacted"}[kind])
    ax.legend(loc="lower right", fontsize=7, frameon=False)


def _kind(p: dict[str, Any]) -> str:
    if p["interviewed"]:
        return "interviewed"
    return "new" if p["status"] == "new" else "contacted"

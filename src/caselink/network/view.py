"""Drawing a network: elements for the interactive view (Cytoscape.js) and a static SVG for
case files. Nodes are coloured by kind and outlined by force; common places are dashed."""

from datetime import date
from html import escape
from typing import Any

import igraph  # type: ignore[import-untyped]

from caselink.network.reading import StoredNetwork

KIND_COLOUR = {
    "case": "#1d70b8",
    "person": "#d4351c",
    "phone": "#00703c",
    "vehicle": "#f47738",
    "address": "#4c2c92",
    "location": "#505a5f",
}
FORCE_COLOURS = ("#0b0c0c", "#912b88", "#28a197", "#b58840", "#5694ca", "#85994b", "#d53880")


def force_colours(s: StoredNetwork) -> dict[str, str]:
    forces = sorted({n.force_code for n in s.nodes if n.force_code})
    return {f: FORCE_COLOURS[i % len(FORCE_COLOURS)] for i, f in enumerate(forces)}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def elements(s: StoredNetwork) -> dict[str, Any]:
    """The graph as JSON for the interactive view: nodes, edges (with the row behind each),
    colours, and the network's cases in date order for the timeline."""
    outline = force_colours(s)
    references = {n.case_id: n.label for n in s.nodes if n.case_id is not None}
    nodes = [
        {
            "data": {
                "id": n.key,
                "label": n.label,
                "kind": n.kind,
                "force": n.force_code,
                "colour": KIND_COLOUR.get(n.kind, "#505a5f"),
                "outline": outline.get(n.force_code or "", "#b1b4b6"),
                "context": n.context,
                "degree": n.degree,
                "betweenness": round(n.betweenness, 2),
                "on": _iso(s.opened.get(n.id)),
            }
        }
        for n in s.nodes
    ]
    edges = [
        {
            "data": {
                "id": f"e{e.id}",
                "source": e.source_key,
                "target": e.target_key,
                "kind": e.kind,
                "on": _iso(e.observed_on or s.opened.get(_case_node(s, e.case_id))),
                "case": references.get(e.case_id, str(e.case_id)),
                "evidence": f"{e.source_table} row {e.source_row_id}",
            }
        }
        for e in s.edges
    ]
    timeline = sorted(
        (
            {"date": _iso(s.opened.get(n.id)), "case": n.label, "force": n.force_code}
            for n in s.cases
        ),
        key=lambda item: item["date"] or "",
    )
    return {
        "network": s.network.id,
        "elements": {"nodes": nodes, "edges": edges},
        "forces": outline,
        "kinds": KIND_COLOUR,
        "timeline": timeline,
    }


def _case_node(s: StoredNetwork, case_id: int) -> int:
    return next((n.id for n in s.nodes if n.case_id == case_id), -1)


def svg(s: StoredNetwork, width: int = 960, height: int = 720) -> str:
    """A static drawing (Kamada-Kawai layout, deterministic) for a case file."""
    index = {n.key: i for i, n in enumerate(s.nodes)}
    pairs = [
        (index[e.source_key], index[e.target_key])
        for e in s.edges
        if e.source_key in index and e.target_key in index
    ]
    graph = igraph.Graph(n=len(s.nodes), edges=pairs)
    layout = graph.layout_kamada_kawai() if len(s.nodes) > 1 else igraph.Layout([(0.0, 0.0)])
    layout.fit_into((60, 60, width - 60, height - 80))
    outline = force_colours(s)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Arial, sans-serif" font-size="11">',
        f"<title>Network {s.network.id}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    for a, b in pairs:
        (x1, y1), (x2, y2) = layout[a], layout[b]
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#b1b4b6"/>'
        )
    for i, n in enumerate(s.nodes):
        x, y = layout[i]
        dash = ' stroke-dasharray="3,2"' if n.context else ""
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{12 if n.kind == "case" else 8}" '
            f'fill="{KIND_COLOUR.get(n.kind, "#505a5f")}" '
            f'stroke="{outline.get(n.force_code or "", "#b1b4b6")}" stroke-width="3"{dash}>'
            f"<title>{escape(n.kind)}: {escape(n.label)}</title></circle>"
        )
        out.append(f'<text x="{x + 14:.1f}" y="{y + 4:.1f}">{escape(n.label[:40])}</text>')
    legend_y = height - 40
    for j, (kind, colour) in enumerate(KIND_COLOUR.items()):
        x = 20 + j * 110
        out.append(f'<circle cx="{x}" cy="{legend_y}" r="6" fill="{colour}"/>')
        out.append(f'<text x="{x + 10}" y="{legend_y + 4}">{kind}</text>')
    for j, (force, colour) in enumerate(outline.items()):
        x = 20 + j * 110
        out.append(
            f'<circle cx="{x}" cy="{legend_y + 20}" r="6" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        out.append(f'<text x="{x + 10}" y="{legend_y + 24}">force {escape(force)}</text>')
    out.append("</svg>")
    return "\n".join(out)

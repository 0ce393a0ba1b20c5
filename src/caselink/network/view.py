"""Drawing a network: elements for the interactive view (Cytoscape.js) and a static SVG for
case files. Nodes are coloured by kind and outlined by force; common places are dashed."""

from dataclasses import dataclass
from datetime import date
from html import escape
from math import cos, pi, sin
from typing import Any
from urllib.parse import quote

import igraph  # type: ignore[import-untyped]

from caselink.network.explain import edge_words, source_words
from caselink.network.reading import StoredNetwork


@dataclass(frozen=True)
class Look:
    """How one kind of node is drawn: a shape and a colour that differ for every kind and
    role, so a victim never looks like a suspect (shapes also carry meaning without colour)."""

    name: str  # as the legend says it
    shape: str  # a Cytoscape.js shape; the SVG drawing has the same ones
    colour: str  # GOV.UK colours


LOOKS = {
    "case": Look("Case", "round-rectangle", "#1d70b8"),
    "suspect": Look("Suspect", "triangle", "#d4351c"),
    "victim": Look("Victim", "ellipse", "#912b88"),
    "other": Look("Other person named", "ellipse", "#505a5f"),
    "phone": Look("Phone", "diamond", "#00703c"),
    "vehicle": Look("Vehicle", "hexagon", "#f47738"),
    "address": Look("Address", "pentagon", "#28a197"),
    "location": Look("Place", "octagon", "#85994b"),
}
FORCE_COLOURS = (
    "#0b0c0c",
    "#5694ca",
    "#b58840",
    "#d53880",
    "#003078",
    "#942514",
    "#10403c",
)  # none a fill colour above


def force_colours(s: StoredNetwork) -> dict[str, str]:
    forces = sorted({n.force_code for n in s.nodes if n.force_code})
    return {f: FORCE_COLOURS[i % len(FORCE_COLOURS)] for i, f in enumerate(forces)}


def long_date(day: date | None) -> str:
    """A date as people write it: 2 December 2026."""
    return f"{day.day} {day:%B %Y}" if day else ""


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def look_of(node_kind: str, role: str | None) -> Look:
    return LOOKS[role or "other"] if node_kind == "person" else LOOKS.get(node_kind, LOOKS["other"])


def timeline(s: StoredNetwork) -> list[dict[str, Any]]:
    """The network's cases in the order they were opened (undated ones last)."""
    dated = [(s.opened.get(n.id), n) for n in s.cases]
    dated.sort(key=lambda pair: (pair[0] is None, pair[0] or date.min, pair[1].label))
    return [
        {
            "date": _iso(day),
            "when": long_date(day) or "Date not recorded",
            "case": n.label,
            "force": s.area_name(n.force_code),
        }
        for day, n in dated
    ]


def links(s: StoredNetwork, visible_cases: set[int], visible_records: set[int]) -> dict[str, str]:
    """Where each node opens, for this viewer: a case its page, a person one of their records
    in these cases, a phone, vehicle or place the first case it is recorded in. Nodes the
    viewer may not open get no link."""
    cases = {n.case_id: n.label for n in s.nodes if n.case_id is not None}
    out: dict[str, str] = {}
    for n in s.nodes:
        if n.case_id is not None and n.case_id in visible_cases:
            out[n.key] = "/cases/" + quote(n.label, safe="/")
    for e in sorted(s.edges, key=lambda e: e.id):
        for key in (e.source_key, e.target_key):
            if key in out or key.startswith("case:"):
                continue
            if key.startswith(("person:", "record:")):
                if e.person_record_id is not None and e.person_record_id in visible_records:
                    out[key] = f"/records/{e.person_record_id}"
            elif e.case_id in visible_cases:
                out[key] = "/cases/" + quote(cases.get(e.case_id, ""), safe="/")
    return out


def elements(
    s: StoredNetwork,
    visible_cases: set[int] | None = None,
    visible_records: set[int] | None = None,
) -> dict[str, Any]:
    """The graph as JSON for the interactive view: nodes with their shape, colour and link,
    edges in words with the case they are recorded in, the legend, and the network's cases
    in date order for the timeline."""
    outline = force_colours(s)
    roles = s.roles()
    opens = links(s, visible_cases or set(), visible_records or set())
    references = {n.case_id: n.label for n in s.nodes if n.case_id is not None}
    nodes = []
    for n in s.nodes:
        role = roles.get(n.key)
        look = look_of(n.kind, role)
        nodes.append(
            {
                "data": {
                    "id": n.key,
                    "label": n.label,
                    "kind": n.kind,
                    "what": look.name,
                    "shape": look.shape,
                    "colour": look.colour,
                    "force": s.area_name(n.force_code),
                    "outline": outline.get(n.force_code or "", "#b1b4b6"),
                    "context": n.context,
                    "degree": n.degree,
                    "betweenness": round(n.betweenness, 2),
                    "on": _iso(s.opened.get(n.id)),
                    "when": long_date(s.opened.get(n.id)),
                    "href": opens.get(n.key),
                }
            }
        )
    edges = []
    for e in s.edges:
        on = e.observed_on or s.opened.get(_case_node(s, e.case_id))
        case = references.get(e.case_id, "")
        edges.append(
            {
                "data": {
                    "id": f"e{e.id}",
                    "source": e.source_key,
                    "target": e.target_key,
                    "kind": e.kind,
                    "words": edge_words(e.kind, e.source_key),
                    "on": _iso(on),
                    "when": long_date(on),
                    "case": case,
                    "evidence": source_words(e.source_table, case),
                }
            }
        )
    return {
        "network": s.network.id,
        "elements": {"nodes": nodes, "edges": edges},
        "forces": {s.area_name(code): colour for code, colour in outline.items()},
        "legend": [
            {"what": look.name, "shape": look.shape, "colour": look.colour}
            for look in LOOKS.values()
        ],
        "timeline": timeline(s),
    }


def _case_node(s: StoredNetwork, case_id: int) -> int:
    return next((n.id for n in s.nodes if n.case_id == case_id), -1)


def _polygon(x: float, y: float, r: float, sides: int, turn: float) -> str:
    points = " ".join(
        f"{x + r * cos(turn + 2 * pi * k / sides):.1f},{y + r * sin(turn + 2 * pi * k / sides):.1f}"
        for k in range(sides)
    )
    return f'<polygon points="{points}"'


def shape_svg(shape: str, x: float, y: float, r: float) -> str:
    """The opening of an SVG element drawing `shape` centred on (x, y); the caller adds the
    fill, stroke and closing."""
    if shape == "round-rectangle":
        w, h = r * 2.8, r * 2
        return f'<rect x="{x - w / 2:.1f}" y="{y - r:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4"'
    if shape == "triangle":
        return _polygon(x, y, r * 1.2, 3, -pi / 2)
    if shape == "diamond":
        return _polygon(x, y, r * 1.2, 4, -pi / 2)
    if shape == "pentagon":
        return _polygon(x, y, r * 1.1, 5, -pi / 2)
    if shape == "hexagon":
        return _polygon(x, y, r * 1.1, 6, 0)
    if shape == "octagon":
        return _polygon(x, y, r * 1.1, 8, pi / 8)
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'


def legend_icon(look: Look) -> str:
    """The shape of `look` as SVG markup for a 24 by 24 icon (no style attributes: the CSP)."""
    return shape_svg(look.shape, 12, 12, 7) + f' fill="{look.colour}"/>'


def _closing(shape: str) -> str:
    return {"round-rectangle": "</rect>", "ellipse": "</circle>"}.get(shape, "</polygon>")


def svg(s: StoredNetwork, width: int = 1100, height: int = 820) -> str:
    """A static drawing (Kamada-Kawai layout, deterministic) for a case file: shapes and
    colours by kind and role with a legend, edges in words, labels beneath their nodes."""
    index = {n.key: i for i, n in enumerate(s.nodes)}
    usable = [e for e in s.edges if e.source_key in index and e.target_key in index]
    pairs = [(index[e.source_key], index[e.target_key]) for e in usable]
    graph = igraph.Graph(n=len(s.nodes), edges=pairs)
    layout = graph.layout_kamada_kawai() if len(s.nodes) > 1 else igraph.Layout([(0.0, 0.0)])
    legend_height = 70
    layout.fit_into((90, 50, width - 90, height - legend_height - 40))
    outline = force_colours(s)
    roles = s.roles()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Arial, sans-serif" font-size="11">',
        f"<title>Network {s.network.id}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    for e, (a, b) in zip(usable, pairs, strict=True):
        (x1, y1), (x2, y2) = layout[a], layout[b]
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#b1b4b6">'
            f"<title>{escape(edge_words(e.kind, e.source_key))}</title></line>"
        )
        out.append(
            f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 3:.1f}" text-anchor="middle" '
            f'font-size="9" fill="#505a5f">{escape(edge_words(e.kind, e.source_key))}</text>'
        )
    for i, n in enumerate(s.nodes):
        x, y = layout[i]
        look = look_of(n.kind, roles.get(n.key))
        dash = ' stroke-dasharray="3,2"' if n.context else ""
        out.append(
            shape_svg(look.shape, x, y, 11 if n.kind == "case" else 9)
            + f' fill="{look.colour}" stroke="{outline.get(n.force_code or "", "#b1b4b6")}" '
            f'stroke-width="3"{dash}><title>{escape(look.name)}: {escape(n.label)}</title>'
            + _closing(look.shape)
        )
        out.append(
            f'<text x="{x:.1f}" y="{y + 24:.1f}" text-anchor="middle">{escape(n.label[:40])}</text>'
        )
    legend_y = height - legend_height
    for j, look in enumerate(LOOKS.values()):
        x = 30 + j * 130
        out.append(shape_svg(look.shape, x, legend_y, 7) + f' fill="{look.colour}"/>')
        out.append(f'<text x="{x + 14}" y="{legend_y + 4}">{escape(look.name)}</text>')
    for j, (force, colour) in enumerate(outline.items()):
        x = 30 + j * 220
        out.append(
            f'<circle cx="{x}" cy="{legend_y + 28}" r="7" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        out.append(f'<text x="{x + 14}" y="{legend_y + 32}">{escape(s.area_name(force))}</text>')
    out.append(
        f'<text x="30" y="{legend_y + 56}" fill="#505a5f">Outline: police force area. '
        "Dashed: a common place, shown but not evidence.</text>"
    )
    out.append("</svg>")
    return "\n".join(out)

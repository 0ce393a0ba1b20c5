"""Bar charts drawn on the server as SVG (no script, no CDN, nothing inline for the CSP to
refuse): this module works out the geometry, templates/oversight/_chart.html draws it. Each
chart has a table beside it with the same figures, for screen readers and for copying."""

from dataclasses import dataclass

from caselink.oversight.comparison import Metric, Place

WIDTH = 640
LABEL = 150  # room for the area's name
VALUE = 170  # room for the value and the gap after the bar
ROW = 26
TOP = 28  # room for the national figure's label


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    width: float
    text: str
    outlier: bool


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    plot_x: int
    bars: list[Bar]
    national_x: float | None
    national_text: str


def bar_chart(metric: Metric, places: list[Place]) -> Chart | None:
    shown = [(p, metric.figures[p.id]) for p in places if metric.figures[p.id].value is not None]
    if not shown:
        return None
    plot = WIDTH - LABEL - VALUE
    top = max([f.value or 0.0 for _, f in shown] + [metric.national or 0.0]) or 1.0
    scale = plot / top
    bars = []
    for n, (place, figure) in enumerate(shown):
        value = figure.value or 0.0
        text = metric.shown(value) + (" - outlier" if figure.gap else "")
        bars.append(Bar(place.name, TOP + n * ROW, max(value * scale, 1.0), text, bool(figure.gap)))
    national_x = None if metric.national is None else LABEL + metric.national * scale
    outliers = [f"{p.name} ({f.gap})" for p, f in shown if f.gap]
    description = (
        f"{metric.label}, by area. The {metric.national_label} is "
        f"{metric.shown(metric.national)}. "
        + (f"Outliers: {'; '.join(outliers)}." if outliers else "No outliers.")
    )
    return Chart(
        id=f"chart-{metric.key}",
        title=metric.label,
        description=description,
        width=WIDTH,
        height=TOP + len(bars) * ROW + 8,
        plot_x=LABEL,
        bars=bars,
        national_x=national_x,
        national_text=f"{metric.national_label}: {metric.shown(metric.national)}",
    )

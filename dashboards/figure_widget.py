"""Plotly figures on the page without sending plotly.js with every figure.

Plotly's ``FigureWidget`` carries its whole JavaScript bundle (about 5 MB) in the widget's state, so
every figure shown sends it over the websocket and the browser parses it again: about 2 s before
the first figure of a comparison appears. Here the page loads the bundle once, by URL, from the
server's asset files (cached by the browser and imported once per page), and each figure's widget
holds only a few lines that import it. :func:`PlotlyPreload` starts that import when the page opens,
while the planner fills in the form.
"""

from __future__ import annotations

import threading
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import solara
import solara.server.settings
from plotly.subplots import make_subplots

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
# Served by Solara under /static/assets/ (see serve_bundle); the version keeps browsers' caches honest.
BUNDLE_PATH = f"/static/assets/{BUNDLE.name}?v={plotly.__version__}"
_BUNDLE_URL = f"`${{location.origin}}${{(globalThis.solara && globalThis.solara.rootPath) || ''}}{BUNDLE_PATH}`"


def serve_bundle() -> None:
    """Let the Solara server serve plotly's widget bundle as an asset (idempotent)."""
    locations = solara.server.settings.assets.extra_locations
    if str(BUNDLE.parent) not in locations:
        locations.append(str(BUNDLE.parent))


class LightFigureWidget(go.FigureWidget):
    """A ``FigureWidget`` whose front end imports plotly's bundle by URL instead of carrying it."""

    _esm = f"const bundle = await import({_BUNDLE_URL});\nexport default bundle.default;\n"


class _BundlePreload(anywidget.AnyWidget):
    """An invisible widget whose only job is to start importing plotly's bundle in the browser."""

    # Not awaited: the widget is ready at once (anywidget gives a model 2 s); figures import the same URL.
    _esm = f"import({_BUNDLE_URL}).catch(console.error);\nexport default {{ render() {{}} }};\n"


@solara.component
def PlotlyPreload() -> None:
    """Start loading plotly's bundle in the browser now, so that the first figure does not wait for it."""
    serve_bundle()
    return _BundlePreload.element()


@solara.component
def FigurePlotly(fig: go.Figure) -> None:
    """``solara.FigurePlotly`` drawn with :class:`LightFigureWidget` (same updates when ``fig`` changes)."""
    serve_bundle()
    element = LightFigureWidget.element()

    def update_data() -> None:
        widget: LightFigureWidget = solara.get_widget(element)
        widget.layout = fig.layout
        length = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = widget.data[length:]

    solara.use_effect(update_data, [fig])
    return element


def warm_up() -> None:
    """Build a small figure of each kind the results draw (bars with error bars, shaded bands,
    subplots, the white template): plotly loads its validators and templates on first use, which
    would otherwise delay the first real figure by a few tenths of a second."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=["a", "b"])
    fig.add_bar(x=[0.1], y=["a"], orientation="h", error_x={"type": "data", "array": [0.1]}, row=1, col=1)
    fig.add_scatter(x=[0, 1, 1, 0], y=[0, 0, 1, 1], fill="toself", fillcolor="rgba(0,0,0,0.2)", row=2, col=1)
    fig.update_layout(template="plotly_white", title="warm-up", legend={"orientation": "h"})
    fig.update_xaxes(tickformat="+.1%")
    fig.to_plotly_json()


def warm_up_in_background() -> None:
    """:func:`warm_up` in a thread of its own (called when a page opens)."""
    threading.Thread(target=warm_up, name="warm-plotly", daemon=True).start()

"""Plotly figures on the page without sending plotly.js with every figure.

Plotly's ``FigureWidget`` carries its whole JavaScript bundle (about 5 MB) in the widget's state, so
every figure shown sends it over the websocket and the browser parses it again: about 2 s before
the first figure of a comparison appears. Here the page loads the bundle once, by URL, from the
server's asset files (cached by the browser and imported once per page), and each figure's widget
holds only a few lines that import it. :func:`PlotlyPreload` starts that import when the page opens,
while the planner fills in the form.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import solara
import solara.server.settings
from plotly.subplots import make_subplots

from dashboards.figures import PLOTLY_JA_LOCALE, plotly_config

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
# Served by Solara under /static/assets/ (see serve_bundle); the version keeps browsers' caches honest.
BUNDLE_PATH = f"/static/assets/{BUNDLE.name}?v={plotly.__version__}"
_BUNDLE_URL = f"`${{location.origin}}${{(globalThis.solara && globalThis.solara.rootPath) || ''}}{BUNDLE_PATH}`"

_LOCALE_JS = json.dumps(PLOTLY_JA_LOCALE, ensure_ascii=False)
# Register the Japanese words once, on plotly.js as the bundle leaves it (window.Plotly).
_REGISTER = (
    "if (globalThis.Plotly && !globalThis.__plotlyJa) "
    f"{{ globalThis.Plotly.register({_LOCALE_JS}); globalThis.__plotlyJa = true; }}"
)


# plotly sizes a figure when it is drawn; one drawn in a tab that is still opening gets its default
# 700 px. Redraw it whenever its box changes size, so that it always fills the page's width.
_FIT_TO_WIDTH = """
export default () => {
  const widget = bundle.default();
  return {
    initialize: widget.initialize,
    render(context) {
      const remove = widget.render(context);
      const fit = () => {
        const plot = context.el.classList.contains("js-plotly-plot") ? context.el : context.el.querySelector(".js-plotly-plot");
        if (plot && plot.offsetWidth && plot._fullLayout && globalThis.Plotly) globalThis.Plotly.Plots.resize(plot);
      };
      const observer = new ResizeObserver(fit);
      observer.observe(context.el);
      return () => { observer.disconnect(); if (remove) remove(); };
    },
  };
};
"""


def serve_bundle() -> None:
    """Let the Solara server serve plotly's widget bundle as an asset (idempotent)."""
    locations = solara.server.settings.assets.extra_locations
    if str(BUNDLE.parent) not in locations:
        locations.append(str(BUNDLE.parent))


class LightFigureWidget(go.FigureWidget):
    """A ``FigureWidget`` whose front end imports plotly's bundle by URL instead of carrying it.

    Its toolbar speaks Japanese, without plotly's logo link and cloud button (the configuration is
    read when the figure is first drawn, so it is set as the widget starts, not afterwards).
    """

    _esm = f"const bundle = await import({_BUNDLE_URL});\n{_REGISTER}\n{_FIT_TO_WIDTH}"

    lang = "ja"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._config = plotly_config(self.lang)  # the base class empties it while it starts


class LightFigureWidgetEnglish(LightFigureWidget):
    """:class:`LightFigureWidget` with plotly's own English words."""

    lang = "en"


class _BundlePreload(anywidget.AnyWidget):
    """An invisible widget whose only job is to start importing plotly's bundle in the browser."""

    # Not awaited: the widget is ready at once (anywidget gives a model 2 s); figures import the same URL.
    _esm = f"import({_BUNDLE_URL}).then(() => {{ {_REGISTER} }}).catch(console.error);\nexport default {{ render() {{}} }};\n"


@solara.component
def PlotlyPreload() -> None:
    """Start loading plotly's bundle in the browser now, so that the first figure does not wait for it."""
    serve_bundle()
    return _BundlePreload.element()


@solara.component
def FigurePlotly(fig: go.Figure, lang: str = "ja") -> None:
    """``solara.FigurePlotly`` drawn with :class:`LightFigureWidget` (same updates when ``fig`` changes),
    its toolbar in ``lang`` without plotly's logo and cloud links."""
    serve_bundle()
    element = (LightFigureWidgetEnglish if lang == "en" else LightFigureWidget).element()

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

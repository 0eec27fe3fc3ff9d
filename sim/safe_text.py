"""Text from files, shown as text: never as HTML, Markdown, a Vue template or a Plotly label markup.

Titles, descriptions and names come from scenario, town, story and experiment files, which
people share by mail. Every place that shows them goes through one of these helpers, chosen by
what renders the text:

- :func:`html_text` for HTML pages (the report, the one-page summary, the handout) and for
  ``solara.HTML``;
- :func:`markdown_text` for ``solara.Markdown``, whose output is also compiled as a Vue
  template (``{{ … }}`` would run as an expression) and typeset by KaTeX (``$…$``);
- :func:`plotly_text` for Plotly titles, legends, ticks and hover labels, which read a subset
  of HTML (``<b>``, ``<a href>``, ``<br>``).
"""

from __future__ import annotations

import html

# Characters Python-Markdown treats as markup and unescapes after a backslash.
_MARKDOWN_SPECIAL = frozenset("`*_{}[]()#+-.!|")
# Characters KaTeX's auto-render takes as math delimiters: each goes in an element of its own,
# because auto-render looks for delimiters within one run of text only.
_MATH = {"$": "&#36;", "\\": "&#92;"}
# pymdownx.emoji turns :name: into an image: an entity keeps the colons from pairing up.
_ENTITIES = {":": "&#58;", "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#x27;"}


def html_text(value: object) -> str:
    """``value`` as HTML text (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(str(value), quote=True)


def plotly_text(value: object) -> str:
    """``value`` for a Plotly label: shown literally, its tags not read as markup."""
    return html.escape(str(value), quote=False)


def markdown_text(value: object) -> str:
    """``value`` as a piece of Markdown source for ``solara.Markdown`` that renders as the literal text.

    The text is wrapped in ``<span v-pre>`` so that Vue does not compile it, its HTML and
    Markdown characters are escaped, and line breaks become ``<br>``.
    """
    out = []
    for ch in str(value).replace("\r\n", "\n"):
        if ch == "\n":
            out.append("<br>")
        elif ch in _MATH:
            out.append(f"<span>{_MATH[ch]}</span>")
        elif ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "<span v-pre>" + "".join(out) + "</span>"

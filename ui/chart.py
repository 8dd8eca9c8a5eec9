"""The management flowchart drawn for a screen: a Graphviz diagram and a wrapped HTML tree. Pure functions, no
Streamlit import.

`bot.guard.flowchart` renders the pathway for the terminal and for export (its DOT carries the footnotes and the
reconstruction note inside the picture, for a file that travels alone). In the app those are shown once, as text
under the chart, so the diagram here carries only the steps: bigger type (the page scales the picture down to its
width, so a narrow layout is what keeps the text readable), labels wrapped short, and conditions on the arrows.
"""
from __future__ import annotations

import textwrap
from collections import deque

from ui.render import esc

HIGHLIGHT = "#ffe08a"
# Type sizes in graph units. A chart is drawn at its natural size, where Graphviz's points are 4/3 of a pixel, and
# shrunk to the page's width when wider: the whole chart at a 1280 px window to about 0.98 of a pixel per unit, a
# chart in the conversation (a branch, narrower) not at all. Streamlit's own CSS shrinks all SVG text, so STYLE
# pins it back to these sizes.
PAGE_FONTS = (14, 12)   # node, edge
CHAT_FONTS = (10.5, 9)  # 14 px and 12 px on screen
_SHAPES = {"start": ("box", "rounded,bold"), "decision": ("box", "bold"), "state": ("box", ""),
           "step": ("box", "dashed"), "treatment": ("box", "rounded")}

STYLE = f"""<style>
.stGraphVizChart svg g.node text {{ font-size: {PAGE_FONTS[0]}px !important; }}
.stGraphVizChart svg g.edge text {{ font-size: {PAGE_FONTS[1]}px !important; }}
.stChatMessage .stGraphVizChart svg g.node text {{ font-size: {CHAT_FONTS[0]}px !important; }}
.stChatMessage .stGraphVizChart svg g.edge text {{ font-size: {CHAT_FONTS[1]}px !important; }}
[class*="st-key-phone-"] {{ display: none; }}
@media (max-width: 640px) {{  /* a phone: the wrapped list instead of a picture too small to read */
  [class*="st-key-phone-"] {{ display: block; }}
  [class*="st-key-picture-"] {{ display: none; }}
}}
.ascc-tree {{ font-size: 0.95rem; line-height: 1.45; overflow-wrap: anywhere; }}
.ascc-tree ul {{ list-style: none; margin: 0; padding-left: 1.1rem; border-left: 1px solid #c9ced6; }}
.ascc-tree > ul {{ padding-left: 0; border-left: none; }}
.ascc-tree li {{ margin: 0.3rem 0 0.3rem 0; }}
.ascc-tree .cond {{ font-size: 0.85rem; font-style: italic; opacity: 0.75; }}
.ascc-tree .step.hl {{ background: {HIGHLIGHT}; color: #111; border-radius: 3px; padding: 0 0.2em; }}
.ascc-tree .see {{ font-size: 0.85rem; opacity: 0.7; }}
</style>"""


# The whole chart is shown on a wide page; narrower margins leave its picture more of the width.
WIDE_PAGE = "<style>[data-testid='stMainBlockContainer'] { padding-left: 2rem; padding-right: 2rem; }</style>"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _label(text: str, width: int) -> str:
    """A quoted DOT label, wrapped, each line escaped, joined with DOT's own line break."""
    lines = [line.replace("\\", "\\\\").replace('"', '\\"') for line in _wrap(text, width)]
    return '"' + "\\n".join(lines) + '"'


def _steps_label(node) -> str:
    return node.label + (f" [{node.footnote}]" if node.footnote else "")


def to_screen_dot(chart, highlight: str | None = None, fonts: tuple[float, float] = PAGE_FONTS,
                  wrap: int = 18) -> str:
    """DOT for the app: top to bottom, short wrapped labels, no title or legend inside the picture."""
    marked = set(chart.branches.get(highlight, ())) if highlight else set()
    out = ["digraph flowchart {",
           '  graph [rankdir="TB", nodesep=0.15, ranksep=0.3, bgcolor="transparent", pad=0.05];',
           f'  node [fontname="Helvetica", fontsize={fonts[0]}, margin="0.1,0.05", color="#5b6470"];',
           f'  edge [fontname="Helvetica", fontsize={fonts[1]}, color="#7a828c", fontcolor="#4a515a", '
           'arrowsize=0.7];']
    for n in chart.nodes:
        shape, style = _SHAPES.get(n.kind, ("box", ""))
        styles = [s for s in (style, "filled" if n.id in marked else "") if s]
        attrs = [f"label={_label(_steps_label(n), wrap)}", f'shape="{shape}"']
        if styles:
            attrs.append(f'style="{",".join(styles)}"')
        if n.id in marked:
            attrs.append(f'fillcolor="{HIGHLIGHT}"')
        out.append(f'  "{n.id}" [{", ".join(attrs)}];')
    stagger = _staggered(chart)
    for e in chart.edges:
        attrs = ([f"label={_label(e.label, 16)}"] if e.label else []) + (["minlen=2"] if e in stagger else [])
        out.append(f'  "{e.source}" -> "{e.target}"' + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def _staggered(chart) -> set:
    """Edges to every other leaf of a step with three or more branches: drawn one row lower, so siblings
    stack in two rows instead of one wide row (what Graphviz's `unflatten` does)."""
    out = set()
    for n in chart.nodes:
        kids = chart.children(n.id)
        if len(kids) >= 3:
            leaves = [e for e in kids if not chart.children(e.target)]
            out.update(leaves[1::2])
    return out


def tree_html(chart, highlight: str | None = None) -> str:
    """The pathway as a nested list that wraps at any width: each step once, under the route that reaches it
    first (breadth-first), and '(see above/below)' where another route meets it. No footnote text and no note:
    the page shows those once, under the chart."""
    marked = set(chart.branches.get(highlight, ())) if highlight else set()
    root = chart.root
    home: dict[str, object] = {}
    queue = deque([root])
    while queue:
        for e in chart.children(queue.popleft()):
            if e.target != root and e.target not in home:
                home[e.target] = e
                queue.append(e.target)
    shown: set[str] = {root}

    def step(nid: str) -> str:
        n = chart.node(nid)
        mark = f"<sup>{esc(n.footnote)}</sup>" if n.footnote else ""
        cls = "step hl" if nid in marked else "step"
        return f'<span class="{cls}">{esc(n.label)}{mark}</span>'

    def walk(nid: str) -> str:
        items = []
        for e in chart.children(nid):
            cond = f'<div class="cond">{esc(e.label)}</div>' if e.label else ""
            expand = home.get(e.target) is e and e.target not in shown
            if expand:
                shown.add(e.target)
                items.append(f"<li>{cond}{step(e.target)}{walk(e.target)}</li>")
            else:
                where = "above" if e.target in shown else "below"
                items.append(f'<li>{cond}{step(e.target)} <span class="see">(see {where})</span></li>')
        return f"<ul>{''.join(items)}</ul>" if items else ""

    return f'<div class="ascc-tree"><ul><li>{step(root)}{walk(root)}</li></ul></div>'

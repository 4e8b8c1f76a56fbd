"""One demo, shown two ways: an ipywidgets UI in a live kernel, a frame scrubber on the static site.

A demo is a pure function ``plot_fn(**params) -> matplotlib.figure.Figure`` plus a grid of
parameter values. In Jupyter, :meth:`Demo.widget` recomputes the figure whenever a control moves. On
the static site there is no kernel, so :meth:`Demo.static_html` renders every point of the grid
once, as small palette PNG frames, and a few lines of inline JavaScript swap the frame shown when a
control moves: no kernel, no network, no external script. ``scripts/postbuild.py`` moves the
frames out of the page into files of their own, fetched only when the demo comes into view.

While the book builds, every matplotlib figure a chapter shows is also a palette PNG that carries a
text description of itself (its titles, axes and legend), which postbuild turns into the ``alt``
text of the figure's ``<img>``.

A demo whose panels stand side by side also has a portrait layout, its panels stacked in one
narrow column, shown on narrow screens (a phone): squeezed into a 358 px column, the side-by-side
frames' labels are 5 px high; stacked, none is below 11 px (``PORTRAIT_WIDTH``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.text import Text
from PIL import Image, PngImagePlugin

BOOK_BUILD_ENV = "NNLIB_BOOK_BUILD"
MAX_FRAMES = 30  # every frame is rendered at build time: keep a grid small
DEFAULT_DPI = 80
_demo_counter = itertools.count(1)
PNG_DATA_URL = "data:image/png;base64,"
# Plots are flat colours plus anti-aliased edges: 256 colours chosen by median cut (weighted by
# pixel count, so each curve keeps its own colour) and no dithering look the same as the full-colour
# PNG at a third to a quarter of the bytes (measured on the optimizer race: 82 kB -> 26 kB a frame).
PALETTE_COLOURS = 256
# PNG text key (a standard one) under which a figure's description travels to postbuild
DESCRIPTION_KEY = "Description"
# PNG text key under which a frame says how tall its smallest text is, in its own pixels
SMALLEST_TEXT_KEY = "Smallest text px"
# Portrait frames: shown where the screen is at most NARROW_SCREEN wide. A portrait figure is
# PORTRAIT_WIDTH inches wide, so that on a 358 px column (a 390 px phone) an inch is 89 px and its
# smallest texts (PORTRAIT_MIN_POINTS, as the house style's legends; 10 pt ticks and labels) are
# 11 to 12 px high.
NARROW_SCREEN = "(max-width: 640px)"
PORTRAIT_WIDTH = 4.0
PORTRAIT_PANEL_HEIGHT = (2.6, 3.4)  # inches per stacked panel: at least, at most
PORTRAIT_MIN_POINTS = 9  # 11.2 px on a 358 px column
PORTRAIT_PREFIX = "p"  # frames key: "p0,1" is the portrait layout of frame "0,1"


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _script_json(data: Any) -> str:
    """JSON safe to embed inside an inline <script> element."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def compact_png(
    png: bytes, description: str | None = None, smallest_text: float | None = None
) -> bytes:
    """The same picture as a palette PNG (smaller), optionally carrying a text description and
    the height in pixels of its smallest text."""
    with Image.open(io.BytesIO(png)) as image:
        opaque = Image.new("RGB", image.size, "white")  # a transparent background shows as white
        opaque.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        palette = opaque.quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    info = PngImagePlugin.PngInfo()
    if description:
        info.add_itxt(DESCRIPTION_KEY, description)
    if smallest_text is not None:
        info.add_text(SMALLEST_TEXT_KEY, f"{smallest_text:.1f}")
    buffer = io.BytesIO()
    palette.save(buffer, format="png", optimize=True, pnginfo=info)
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG bytes."""
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def smallest_text_px(fig: Figure, dpi: float) -> float | None:
    """The font size, in pixels at `dpi`, of the smallest visible text of the figure."""
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip() and text.figure is fig
    ]
    return min(sizes) * dpi / 72 if sizes else None


def portrait(fig: Figure) -> bool:
    """Lay a figure out again for a narrow column; False if constrained layout cannot take it.

    The figure becomes ``PORTRAIT_WIDTH`` inches wide, its texts at least ``PORTRAIT_MIN_POINTS``
    (and wrapped at the figure's edge) and constrained layout places everything again. Panels
    that stand side by side (every axes one cell of the same one-row grid) are stacked in one
    column (a colorbar made under constrained layout follows its panel); y tick labels hidden
    because they shared their y axis show again. An inset has no cell of its own: such a figure
    keeps its panels where they are, only narrower.
    """
    # a colorbar follows its panel (constrained layout places it), so only the panels count
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    specs = [ax.get_subplotspec() for ax in axes]
    grid = specs[0].get_gridspec() if axes and specs[0] is not None else None
    side_by_side = (
        len(axes) > 1
        and type(grid) is GridSpec
        and grid.nrows == 1
        and grid.ncols == len(axes)
        and all(s is not None and s.get_gridspec() is grid and s.num1 == s.num2 for s in specs)
    )
    width, height = fig.get_size_inches()
    low, high = PORTRAIT_PANEL_HEIGHT
    if side_by_side:
        panel = min(max(height * PORTRAIT_WIDTH / (width / len(axes)), low), high)
        column = GridSpec(len(axes), 1, figure=fig)
        for ax, spec in zip(axes, specs, strict=True):
            ax.set_subplotspec(column[spec.num1, 0])
            if len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
                ax.tick_params(axis="y", labelleft=True)
        size = (PORTRAIT_WIDTH, panel * len(axes) + 0.4)
    else:
        size = (PORTRAIT_WIDTH, min(max(height * PORTRAIT_WIDTH / width, low), high))
    try:
        fig.set_layout_engine("constrained")
    except RuntimeError:  # a colorbar placed by another layout
        return False
    fig.set_size_inches(*size)
    for text in fig.findobj(Text):
        if text.get_fontsize() < PORTRAIT_MIN_POINTS:
            text.set_fontsize(PORTRAIT_MIN_POINTS)
        text.set_wrap(True)  # a title wider than the column breaks at the figure's edge
    return True


def _plain_text(label: str) -> str:
    """A matplotlib label without its TeX markup: ``$\\theta_1$`` -> ``theta_1``."""
    text = re.sub(r"\\(?:mathrm|mathbf|text|operatorname|boldsymbol)\{([^}]*)\}", r"\1", label)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())


def describe_figure(fig: Figure) -> str:
    """What a figure shows, in words, from its titles, axis labels and legends (its alt text)."""
    panels = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not ax.get_visible():
            continue
        title = _plain_text(ax.get_title() or ax.get_title("left") or ax.get_title("right"))
        words = [f"'{title}'" if title else "a panel"]
        xlabel, ylabel = _plain_text(ax.get_xlabel()), _plain_text(ax.get_ylabel())
        if xlabel or ylabel:
            words.append(f"({ylabel or 'y'} against {xlabel or 'x'})")
        legend = ax.get_legend()
        entries = [_plain_text(t.get_text()) for t in legend.get_texts()] if legend else []
        if entries:
            words.append("showing " + ", ".join(e for e in entries if e))
        panels.append(" ".join(words))
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    head = f"Figure: {_plain_text(suptitle)}" if suptitle else "Figure"
    if not panels:
        return head
    count = f"{len(panels)} panels: " if len(panels) > 1 else ""
    return f"{head}, {count}" + "; ".join(panels)


def _figure_png_with_description(fig: Figure) -> bytes:
    """IPython's PNG formatter for figures during the book build: palette PNG + description."""
    buffer = io.BytesIO()
    fig.canvas.print_figure(buffer, format="png", bbox_inches="tight")
    return compact_png(buffer.getvalue(), describe_figure(fig))


def describe_figures_while_building() -> None:
    """During ``make book``, make every figure a kernel displays a described palette PNG.

    Called when nnbook is imported in a kernel. The inline backend is loaded first, so that its own
    figure formatter, installed when it loads, is the one replaced.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not book_build():
        return
    if "inline" in plt.get_backend():
        import matplotlib_inline.backend_inline  # noqa: F401 (installs its formatter now)
    shell.display_formatter.formatters["image/png"].for_type(Figure, _figure_png_with_description)


def book_build() -> bool:
    """True while ``make book`` builds the static site (environment variable NNLIB_BOOK_BUILD=1)."""
    return os.environ.get(BOOK_BUILD_ENV, "") not in ("", "0")


class Demo:
    """A figure-making function over a small parameter grid.

    Args:
        plot_fn: pure function of the grid's parameters (as keywords) returning a Figure.
        grid: parameter name -> the values it may take (numbers get a slider, strings and booleans
            a dropdown or toggle buttons). The product of the lengths is the number of frames
            rendered for the static site, at most ``max_frames``.
        title: one line saying what the demo shows.
        defaults: optional starting value per parameter (each must be in the grid); the first
            value of each parameter otherwise.
        dpi: resolution of the static frames (small keeps pages light).
        max_frames: refuse grids larger than this (every frame is rendered at build time).
    """

    def __init__(
        self,
        plot_fn: Callable[..., Figure],
        grid: Mapping[str, Sequence[Any]],
        title: str,
        *,
        defaults: Mapping[str, Any] | None = None,
        dpi: int = DEFAULT_DPI,
        max_frames: int = MAX_FRAMES,
    ) -> None:
        self.plot_fn = plot_fn
        self.grid = {name: list(values) for name, values in grid.items()}
        self.title = title
        self.dpi = dpi
        self._check_grid(max_frames)
        self.defaults = {name: values[0] for name, values in self.grid.items()}
        self.defaults.update(self._checked(defaults or {}))

    def _check_grid(self, max_frames: int) -> None:
        if not self.grid:
            raise ValueError("a demo needs at least one parameter in its grid")
        for name, values in self.grid.items():
            if not values:
                raise ValueError(f"parameter {name!r} has no values")
            if len({_format_value(v) for v in values}) != len(values):
                raise ValueError(f"parameter {name!r} has repeated values: {values}")
        if self.n_frames > max_frames:
            raise ValueError(
                f"grid of {self.n_frames} frames exceeds the cap of {max_frames}: "
                "every frame is rendered when the book is built; use fewer values"
            )

    def _checked(self, params: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(params) - set(self.grid)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; grid has {list(self.grid)}")
        for name, value in params.items():
            if value not in self.grid[name]:
                raise ValueError(f"{name}={value!r} is not in the grid {self.grid[name]}")
        return dict(params)

    @property
    def n_frames(self) -> int:
        """Number of points of the grid, i.e. of frames in the static version."""
        count = 1
        for values in self.grid.values():
            count *= len(values)
        return count

    def figure(self, **params: Any) -> Figure:
        """One frame: ``plot_fn`` at ``params`` (missing parameters take their defaults).

        The Figure is returned open; close it (``plt.close(fig)``) when done.
        """
        return self.plot_fn(**{**self.defaults, **self._checked(params)})

    def frame_png(self, **params: Any) -> bytes:
        """One frame rendered to palette PNG bytes (the figure is closed afterwards)."""
        fig = self.figure(**params)
        try:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
            return compact_png(buffer.getvalue(), None, smallest_text_px(fig, self.dpi))
        finally:
            plt.close(fig)

    def frame_pngs(self, **params: Any) -> tuple[bytes, bytes | None]:
        """One frame as palette PNG bytes in both layouts: as drawn, then portrait (None when
        constrained layout cannot place the figure), at 1.25 times the dpi (a phone's screen is
        dense). ``plot_fn`` runs once; the figure is closed afterwards."""
        fig = self.figure(**params)
        try:
            pngs = []
            for dpi in (self.dpi, round(self.dpi * 1.25)):
                buffer = io.BytesIO()
                try:
                    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
                except (ValueError, ZeroDivisionError):
                    if not pngs:
                        raise
                    return pngs[0], None  # constrained layout could not place its parts
                pngs.append(compact_png(buffer.getvalue(), None, smallest_text_px(fig, dpi)))
                if len(pngs) == 1 and not portrait(fig):
                    return pngs[0], None
            return pngs[0], pngs[1]
        finally:
            plt.close(fig)

    # ---- live Jupyter -------------------------------------------------------------------------

    def _control(self, name: str, values: list[Any]):
        import ipywidgets as widgets

        options = [(_format_value(v), v) for v in values]
        # the whole name, never cut to the default description width ("hidden_u...")
        common = {"value": self.defaults[name], "description": name}
        common["style"] = {"description_width": "initial"}
        if all(_is_number(v) for v in values):
            return widgets.SelectionSlider(options=options, continuous_update=False, **common)
        if len(values) <= 4:
            return widgets.ToggleButtons(options=options, **common)
        layout = widgets.Layout(width="max-content")
        return widgets.Dropdown(options=options, layout=layout, **common)

    def widget(self):
        """An ipywidgets UI: one control per grid parameter, redrawing an Output on change."""
        import ipywidgets as widgets
        from IPython.display import HTML, display

        controls = {name: self._control(name, values) for name, values in self.grid.items()}
        output = widgets.Output()

        def redraw(_change: Any = None) -> None:
            params = {name: control.value for name, control in controls.items()}
            wide, narrow = self.frame_pngs(**params)
            with output:  # a narrow window (a phone) shows the portrait layout, as the site does
                output.clear_output(wait=True)
                display(HTML(self._picture(wide, narrow, params)))

        for control in controls.values():
            control.observe(redraw, names="value")
        redraw()
        title = widgets.HTML(f"<strong>{html.escape(self.title)}</strong>")
        box = widgets.VBox([title, *controls.values(), output])
        box.add_class("nnlib-demo-widget")
        return box

    def _picture(self, wide: bytes, narrow: bytes | None, params: Mapping[str, Any]) -> str:
        """A <picture> of one frame in both layouts (data: URLs), for the live widget."""
        state = ", ".join(f"{n} = {_format_value(v)}" for n, v in params.items())
        width, height = png_size(wide)
        source = (
            f'<source media="{NARROW_SCREEN}" '
            f'srcset="{PNG_DATA_URL}{base64.b64encode(narrow).decode()}">'
            if narrow
            else ""
        )
        return (
            f"<picture>{source}"
            f'<img src="{PNG_DATA_URL}{base64.b64encode(wide).decode()}" '
            f'alt="{html.escape(f"{self.title} ({state})")}" width="{width}" height="{height}" '
            'style="display:block;max-width:100%;height:auto"></picture>'
        )

    # ---- static site --------------------------------------------------------------------------

    def _element_id(self) -> str:
        digest = hashlib.sha1(f"{self.title}|{self.grid!r}".encode()).hexdigest()[:8]
        return f"nnlib-demo-{digest}-{next(_demo_counter)}"

    def frames(self) -> dict[str, str]:
        """Every frame of the grid as a base64 PNG, keyed by the comma-joined value indices, and
        for a figure of side-by-side panels its portrait layout too (key ``p`` + indices)."""
        names = list(self.grid)
        frames, narrows = {}, {}
        for indices in itertools.product(*(range(len(self.grid[n])) for n in names)):
            params = {n: self.grid[n][i] for n, i in zip(names, indices, strict=True)}
            key = ",".join(map(str, indices))
            wide, narrows[PORTRAIT_PREFIX + key] = self.frame_pngs(**params)
            frames[key] = base64.b64encode(wide).decode("ascii")
        if all(narrows.values()):  # every frame has both layouts, or none has
            frames.update({k: base64.b64encode(v).decode("ascii") for k, v in narrows.items()})
        return frames

    def _static_control(self, element_id: str, position: int, name: str) -> str:
        """A labelled slider (numbers) or select (anything else) over the indices of the values.

        A slider shows its value beside it and tells screen readers through ``aria-valuetext``;
        a select already shows (and announces) its option, so it gets no second copy of it.
        """
        values = self.grid[name]
        index = values.index(self.defaults[name])
        control_id = f"{element_id}-p{position}"
        label = f'<label for="{control_id}" style="white-space:nowrap">{html.escape(name)}</label>'
        shown = html.escape(_format_value(values[index]))
        common = f'id="{control_id}" data-nnlib-param="{html.escape(name)}"'
        if all(_is_number(v) for v in values):
            control = (
                f'<input type="range" {common} min="0" max="{len(values) - 1}" step="1" '
                f'value="{index}" aria-valuetext="{shown}" '
                'style="flex:1 1 10em;min-width:8em;max-width:22em">'
                f'<output id="{control_id}-value" for="{control_id}" aria-hidden="true">'
                f"{shown}</output>"
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == index else ""}>'
                f"{html.escape(_format_value(v))}</option>"
                for i, v in enumerate(values)
            )
            control = f'<select {common} style="max-width:100%">{options}</select>'
        return (
            '<div class="nnlib-demo-control" '
            'style="display:flex;flex-wrap:wrap;gap:0.25em 0.75em;align-items:center">'
            f"{label}{control}</div>"
        )

    def static_html(self) -> str:
        """HTML + a little inline JavaScript: a scrubber over precomputed frames, no kernel needed.

        The frames travel as ``data:`` URLs in a JSON block (so the notebook's cached output holds
        everything); ``scripts/postbuild.py`` then moves each frame into a file of the site
        (``_demos/<hash>.png``) and leaves only the file names in the page. The page shows the
        starting frame as an ``<img>`` (lazy below the fold) and fetches the other frames when the
        demo comes into view (IntersectionObserver); a control swaps the ``<img>``'s ``src``, which
        works from ``file://`` too (unlike fetch or XHR).
        """
        element_id = self._element_id()
        names = list(self.grid)
        frames = {key: PNG_DATA_URL + data for key, data in self.frames().items()}
        start = ",".join(str(self.grid[n].index(self.defaults[n])) for n in names)
        labels = [[_format_value(v) for v in self.grid[n]] for n in names]
        controls = "".join(self._static_control(element_id, i, n) for i, n in enumerate(names))
        alt = html.escape(f"{self.title} ({self._state_text(names, start, labels)})")
        width, height = png_size(base64.b64decode(frames[start][len(PNG_DATA_URL) :]))
        narrow = frames.get(PORTRAIT_PREFIX + start)
        source = (
            f'<source id="{element_id}-narrow" media="{NARROW_SCREEN}" srcset="{narrow}">'
            if narrow
            else ""
        )
        return (
            f'<div class="nnlib-demo" id="{element_id}" data-nnlib-demo="{element_id}" '
            f'data-nnlib-frames="{len(frames)}" role="group" aria-labelledby="{element_id}-title">'
            f'<p class="nnlib-demo-title" id="{element_id}-title">'
            f"<strong>{html.escape(self.title)}</strong></p>"
            '<div class="nnlib-demo-controls" style="display:flex;flex-direction:column;'
            f'gap:0.25em;margin-bottom:0.5em">{controls}</div>'
            f"<picture>{source}"
            f'<img id="{element_id}-img" class="nnlib-demo-frame" alt="{alt}" '
            f'width="{width}" height="{height}" loading="lazy" decoding="async" '
            f'style="display:block;max-width:100%;height:auto" src="{frames[start]}">'
            "</picture>"
            f'<script type="application/json" id="{element_id}-frames" class="nnlib-demo-frames">'
            f"{_script_json(frames)}</script>"
            f"<script>{self._script(element_id, names, labels)}</script>"
            "</div>"
        )

    def _state_text(self, names: list[str], key: str, labels: list[list[str]]) -> str:
        indices = [int(i) for i in key.split(",")]
        return ", ".join(
            f"{n} = {labels[p][i]}" for p, (n, i) in enumerate(zip(names, indices, strict=True))
        )

    def _script(self, element_id: str, names: list[str], labels: list[list[str]]) -> str:
        return (
            "(function(){"
            f"var id={_script_json(element_id)},names={_script_json(names)},"
            f"labels={_script_json(labels)},title={_script_json(self.title)};"
            "var root=document.getElementById(id),img=document.getElementById(id+'-img');"
            "var frames=JSON.parse(document.getElementById(id+'-frames').textContent);"
            "var controls=names.map(function(_,i){return document.getElementById(id+'-p'+i);});"
            # the layout the screen shows: portrait frames (keys "p...") on a narrow one
            "var narrow=document.getElementById(id+'-narrow');"
            f"var media=window.matchMedia({_script_json(NARROW_SCREEN)});"
            # every frame fetched once the demo is (nearly) in view, so that moving a control
            # swaps to an image the browser already has; none before
            "var fetched=[];"
            "function fetchAll(){if(fetched.length)return;"
            f"var p={_script_json(PORTRAIT_PREFIX)},tall=!!narrow&&media.matches;"
            "for(var key in frames){if((key.charAt(0)===p)!==tall)continue;"
            "var im=new Image();im.src=frames[key];fetched.push(im);}}"
            "if('IntersectionObserver' in window){"
            "var seen=new IntersectionObserver(function(entries){"
            "if(entries.some(function(e){return e.isIntersecting;})){seen.disconnect();fetchAll();}"
            "},{rootMargin:'300px'});seen.observe(root);}else{fetchAll();}"
            "function update(){"
            "var idx=controls.map(function(c){return parseInt(c.value,10);});"
            "img.loading='eager';img.src=frames[idx.join(',')];"
            f"if(narrow)narrow.srcset=frames[{_script_json(PORTRAIT_PREFIX)}+idx.join(',')];"
            "var state=idx.map(function(v,i){"
            "var text=labels[i][v],shown=document.getElementById(id+'-p'+i+'-value');"
            "if(shown){shown.textContent=text;controls[i].setAttribute('aria-valuetext',text);}"
            "return names[i]+' = '+text;});"
            "img.alt=title+' ('+state.join(', ')+')';}"
            "controls.forEach(function(c){c.addEventListener('input',update);"
            "c.addEventListener('change',update);});"
            "})();"
        )

    # ---- either ---------------------------------------------------------------------------------

    def show(self) -> None:
        """Display the demo: the static scrubber while the book builds, the widget otherwise."""
        from IPython.display import HTML, display

        if book_build():
            display(HTML(self.static_html()))
        else:
            display(self.widget())


describe_figures_while_building()

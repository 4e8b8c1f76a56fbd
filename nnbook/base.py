"""One demo, shown two ways: an ipywidgets UI in a live kernel, a frame scrubber on the static site.

A demo is a pure function ``plot_fn(**params) -> matplotlib.figure.Figure`` plus a grid of
parameter values. In Jupyter, :meth:`Demo.widget` recomputes the figure whenever a control moves. On
the static site there is no kernel, so :meth:`Demo.static_html` renders every point of the grid
once, as small PNG frames embedded in base64, and a few lines of inline JavaScript swap the frame
shown when a control moves: no kernel, no network, no external script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

BOOK_BUILD_ENV = "NNLIB_BOOK_BUILD"
MAX_FRAMES = 30  # every frame is rendered at build time: keep a grid small
DEFAULT_DPI = 80
_demo_counter = itertools.count(1)


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
        """One frame rendered to PNG bytes (the figure is closed afterwards)."""
        fig = self.figure(**params)
        try:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
            return buffer.getvalue()
        finally:
            plt.close(fig)

    # ---- live Jupyter -------------------------------------------------------------------------

    def _control(self, name: str, values: list[Any]):
        import ipywidgets as widgets

        options = [(_format_value(v), v) for v in values]
        value = self.defaults[name]
        if all(_is_number(v) for v in values):
            return widgets.SelectionSlider(
                options=options, value=value, description=name, continuous_update=False
            )
        if len(values) <= 4:
            return widgets.ToggleButtons(options=options, value=value, description=name)
        return widgets.Dropdown(options=options, value=value, description=name)

    def widget(self):
        """An ipywidgets UI: one control per grid parameter, redrawing an Output on change."""
        import ipywidgets as widgets
        from IPython.display import display

        controls = {name: self._control(name, values) for name, values in self.grid.items()}
        output = widgets.Output()

        def redraw(_change: Any = None) -> None:
            fig = self.figure(**{name: control.value for name, control in controls.items()})
            with output:
                output.clear_output(wait=True)
                display(fig)
            plt.close(fig)

        for control in controls.values():
            control.observe(redraw, names="value")
        redraw()
        title = widgets.HTML(f"<strong>{html.escape(self.title)}</strong>")
        box = widgets.VBox([title, *controls.values(), output])
        box.add_class("nnlib-demo-widget")
        return box

    # ---- static site --------------------------------------------------------------------------

    def _element_id(self) -> str:
        digest = hashlib.sha1(f"{self.title}|{self.grid!r}".encode()).hexdigest()[:8]
        return f"nnlib-demo-{digest}-{next(_demo_counter)}"

    def frames(self) -> dict[str, str]:
        """Every frame of the grid as a base64 PNG, keyed by the comma-joined value indices."""
        names = list(self.grid)
        frames = {}
        for indices in itertools.product(*(range(len(self.grid[n])) for n in names)):
            params = {n: self.grid[n][i] for n, i in zip(names, indices, strict=True)}
            png = self.frame_png(**params)
            frames[",".join(map(str, indices))] = base64.b64encode(png).decode("ascii")
        return frames

    def _static_control(self, element_id: str, position: int, name: str) -> str:
        values = self.grid[name]
        index = values.index(self.defaults[name])
        control_id = f"{element_id}-p{position}"
        label = f'<label for="{control_id}">{html.escape(name)}</label>'
        shown = html.escape(_format_value(values[index]))
        value_text = f'<output id="{control_id}-value" for="{control_id}">{shown}</output>'
        common = f'id="{control_id}" data-nnlib-param="{html.escape(name)}"'
        if all(_is_number(v) for v in values):
            control = (
                f'<input type="range" {common} min="0" max="{len(values) - 1}" step="1" '
                f'value="{index}" aria-valuetext="{shown}">'
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == index else ""}>'
                f"{html.escape(_format_value(v))}</option>"
                for i, v in enumerate(values)
            )
            control = f"<select {common}>{options}</select>"
        return (
            '<div class="nnlib-demo-control" style="display:flex;gap:0.5em;align-items:center">'
            f"{label} {control} {value_text}</div>"
        )

    def static_html(self) -> str:
        """Self-contained HTML + inline JavaScript: a scrubber over precomputed PNG frames."""
        element_id = self._element_id()
        names = list(self.grid)
        frames = self.frames()
        start = ",".join(str(self.grid[n].index(self.defaults[n])) for n in names)
        labels = [[_format_value(v) for v in self.grid[n]] for n in names]
        controls = "".join(self._static_control(element_id, i, n) for i, n in enumerate(names))
        alt = html.escape(f"{self.title} ({self._state_text(names, start, labels)})")
        return (
            f'<div class="nnlib-demo" id="{element_id}" data-nnlib-demo="{element_id}" '
            f'data-nnlib-frames="{len(frames)}">'
            f'<p class="nnlib-demo-title"><strong>{html.escape(self.title)}</strong></p>'
            f'<div class="nnlib-demo-controls">{controls}</div>'
            f'<img id="{element_id}-img" class="nnlib-demo-frame" alt="{alt}" '
            f'src="data:image/png;base64,{frames[start]}">'
            f"<script>{self._script(element_id, names, labels, frames)}</script>"
            "</div>"
        )

    def _state_text(self, names: list[str], key: str, labels: list[list[str]]) -> str:
        indices = [int(i) for i in key.split(",")]
        return ", ".join(
            f"{n} = {labels[p][i]}" for p, (n, i) in enumerate(zip(names, indices, strict=True))
        )

    def _script(
        self, element_id: str, names: list[str], labels: list[list[str]], frames: dict[str, str]
    ) -> str:
        return (
            "(function(){"
            f"var id={_script_json(element_id)},names={_script_json(names)},"
            f"labels={_script_json(labels)},frames={_script_json(frames)},"
            f"title={_script_json(self.title)};"
            "var img=document.getElementById(id+'-img');"
            "var controls=names.map(function(_,i){return document.getElementById(id+'-p'+i);});"
            "function update(){"
            "var idx=controls.map(function(c){return parseInt(c.value,10);});"
            "img.src='data:image/png;base64,'+frames[idx.join(',')];"
            "var state=idx.map(function(v,i){"
            "var text=labels[i][v];"
            "document.getElementById(id+'-p'+i+'-value').textContent=text;"
            "controls[i].setAttribute('aria-valuetext',text);"
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

"""The Demo class: frames, the widget UI and the self-contained static scrubber (no browser)."""

import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from nnbook import base  # noqa: E402
from nnbook.base import MAX_FRAMES, Demo  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sine_plot(frequency=1.0, shape="sin"):
    x = np.linspace(0, 2 * np.pi, 200)
    y = np.sin(frequency * x) if shape == "sin" else np.sign(np.sin(frequency * x))
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(x, y)
    return fig


@pytest.fixture
def demo():
    grid = {"frequency": [1.0, 2.0, 3.0], "shape": ["sin", "square"]}
    return Demo(sine_plot, grid, title="A <sine> & a square wave")


def test_figure_uses_defaults_and_params(demo):
    fig = demo.figure(frequency=2.0)
    assert len(fig.axes) == 1
    y = fig.axes[0].lines[0].get_ydata()
    x = fig.axes[0].lines[0].get_xdata()
    np.testing.assert_allclose(y, np.sin(2.0 * x))
    plt.close(fig)


def test_figure_rejects_values_outside_grid(demo):
    with pytest.raises(ValueError, match="not in the grid"):
        demo.figure(frequency=5.0)
    with pytest.raises(ValueError, match="unknown"):
        demo.figure(phase=0.0)


def test_frames_cover_grid_and_differ(demo):
    frames = demo.frames()
    keys = ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    assert sorted(frames) == keys + ["p" + key for key in keys], "both layouts of every point"
    pngs = [base64.b64decode(f) for f in frames.values()]
    assert all(png.startswith(PNG_SIGNATURE) for png in pngs)
    assert len(set(pngs)) == len(pngs), "every point of the grid must show something different"


def test_frames_close_their_figures(demo):
    before = len(plt.get_fignums())
    demo.frames()
    assert len(plt.get_fignums()) == before


def test_grid_cap_raises():
    with pytest.raises(ValueError, match="exceeds the cap"):
        Demo(sine_plot, {"frequency": list(range(1, MAX_FRAMES + 2))}, title="too big")
    Demo(sine_plot, {"frequency": list(range(1, MAX_FRAMES + 1))}, title="just fits")


def test_empty_or_repeated_grid_raises():
    with pytest.raises(ValueError):
        Demo(sine_plot, {}, title="empty")
    with pytest.raises(ValueError):
        Demo(sine_plot, {"frequency": []}, title="no values")
    with pytest.raises(ValueError, match="repeated"):
        Demo(sine_plot, {"frequency": [1.0, 1.0]}, title="repeated")


def test_static_html_one_control_per_parameter(demo):
    page = demo.static_html()
    assert page.count('type="range"') == 1, "the numeric parameter gets a slider"
    assert page.count("<select") == 1, "the string parameter gets a select"
    assert page.count("data-nnlib-param=") == 2
    assert 'data-nnlib-param="frequency"' in page and 'data-nnlib-param="shape"' in page
    assert page.count("<option") == 2


def test_static_html_carries_every_frame_for_postbuild_and_shows_values(demo):
    page = demo.static_html()
    block = re.search(
        r'<script type="application/json"[^>]*"nnlib-demo-frames">(.*?)</script>', page
    )
    frames = json.loads(block.group(1))
    assert sorted(frames) == sorted(demo.frames())
    assert all(url.startswith("data:image/png;base64,iVBORw0KGgo") for url in frames.values())
    assert 'data-nnlib-frames="12"' in page
    assert re.search(r"<output[^>]*>1</output>", page), "the slider's value is shown beside it"
    assert 'aria-valuetext="1"' in page, "and announced"
    assert re.search(r'<option value="0" selected>sin</option>', page), "the select shows its own"
    assert page.count("<output") == 1, "a select's value is not printed a second time"


def test_static_html_first_frame_has_its_size_and_loads_lazily(demo):
    page = demo.static_html()
    image = re.search(r'<img [^>]*class="nnlib-demo-frame"[^>]*>', page).group(0)
    assert 'loading="lazy"' in image
    width, height = base.png_size(base64.b64decode(demo.frames()["0,0"]))
    assert f'width="{width}"' in image and f'height="{height}"' in image


def test_frames_are_palette_pngs_smaller_than_full_colour(demo):
    png = base64.b64decode(demo.frames()["0,0"])
    fig = demo.figure()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=demo.dpi)
    plt.close(fig)
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "P"
    assert len(png) < len(buffer.getvalue())


def test_compact_png_keeps_the_picture_and_carries_a_description():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1], color="tab:blue")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    png = base.compact_png(buffer.getvalue(), "Figure: a line")
    with Image.open(io.BytesIO(png)) as small, Image.open(buffer) as full:
        assert small.text[base.DESCRIPTION_KEY] == "Figure: a line"
        difference = np.abs(
            np.asarray(small.convert("RGB"), float) - np.asarray(full.convert("RGB"), float)
        )
        assert difference.mean() < 1.0  # fmt: skip


def test_describe_figure_reads_titles_axes_and_legend():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 1], label="SGD")
    left.plot([1, 0], label="Adam")
    left.legend()
    left.set(title="loss", xlabel="step $k$", ylabel=r"$f(\theta_k)$")
    fig.suptitle("Optimizers")
    text = base.describe_figure(fig)
    plt.close(fig)
    assert text == (
        "Figure: Optimizers, 2 panels: "
        "'loss' (f(theta_k) against step k) showing SGD, Adam; a panel"
    )


def test_static_html_is_self_contained(demo):
    page = demo.static_html()
    assert not re.search(r"\bsrc\s*=\s*[\"'](?!data:)", page), "only data: sources"
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page
    assert "<sine>" not in page, "the title is escaped"


def test_static_html_ids_are_unique(demo):
    first, second = demo.static_html(), demo.static_html()
    ids = re.findall(r'data-nnlib-demo="([^"]+)"', first + second)
    assert len(ids) == 2 and ids[0] != ids[1]


def test_static_html_defaults_choose_first_frame():
    demo = Demo(sine_plot, {"frequency": [1.0, 2.0, 3.0]}, title="t", defaults={"frequency": 3.0})
    page = demo.static_html()
    frames = demo.frames()
    assert f'src="data:image/png;base64,{frames["2"]}"' in page
    assert 'value="2"' in page


def test_widget_has_one_control_per_parameter_and_redraws(demo, monkeypatch):
    import ipywidgets as widgets

    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    box = demo.widget()
    control_types = widgets.SelectionSlider | widgets.ToggleButtons | widgets.Dropdown
    controls = [c for c in box.children if isinstance(c, control_types)]
    assert any(isinstance(c, widgets.Output) for c in box.children)
    assert [c.description for c in controls] == ["frequency", "shape"]
    assert isinstance(controls[0], widgets.SelectionSlider)
    assert isinstance(controls[1], widgets.ToggleButtons | widgets.Dropdown)
    assert all(c.style.description_width == "initial" for c in controls), "labels never cut"

    drawn = []
    demo.plot_fn = lambda **params: drawn.append(params) or sine_plot(**params)
    controls[0].value = 3.0
    controls[1].value = "square"
    assert drawn == [
        {"frequency": 3.0, "shape": "sin"},
        {"frequency": 3.0, "shape": "square"},
    ], "one figure per redraw, both layouts drawn from it"
    assert re.search(
        r'<picture><source media="\(max-width: 640px\)" srcset="data:image/png', shown[-1].data
    ), "a narrow window shows the portrait layout"


def test_show_uses_static_html_during_book_build(demo, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    monkeypatch.setenv(base.BOOK_BUILD_ENV, "1")
    demo.show()
    assert "data-nnlib-demo" in shown[0].data

    monkeypatch.setenv(base.BOOK_BUILD_ENV, "0")
    demo.show()
    import ipywidgets as widgets

    assert isinstance(shown[-1], widgets.VBox)


def side_by_side(shared=True):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=shared)
    for ax, name in zip(axes, ["loss", "accuracy"], strict=True):
        ax.plot([0, 1, 2], [3, 1, 2], label="SGD")
        ax.set(title=name, xlabel="step", ylabel="value")
        ax.legend(fontsize=7)
    fig.suptitle("A suptitle long enough to be wider than a phone's column of 358 pixels")
    return fig


def test_portrait_stacks_side_by_side_panels_in_a_narrow_readable_column():
    fig = side_by_side()
    assert base.portrait(fig)
    fig.canvas.draw()
    top, bottom = (ax.get_position() for ax in fig.axes)
    assert bottom.y1 < top.y0, "the second panel is below the first"
    assert abs(top.x0 - bottom.x0) < 0.05 and abs(top.width - bottom.width) < 0.05
    assert fig.get_size_inches()[0] == base.PORTRAIT_WIDTH
    assert fig.get_size_inches()[1] > 2 * base.PORTRAIT_PANEL_HEIGHT[0]
    assert all(label.get_visible() for label in fig.axes[1].get_yticklabels()), (
        "tick labels hidden by sharey side by side show again"
    )
    # 9 pt legends at least: 11 px or more once 4 inches are 358 px on a phone
    smallest = base.smallest_text_px(fig, 72)
    assert smallest == base.PORTRAIT_MIN_POINTS
    assert smallest / 72 * 358 / base.PORTRAIT_WIDTH >= 11
    plt.close(fig)


def test_smallest_text_is_the_smallest_visible_one():
    fig, ax = plt.subplots()
    ax.set_title("title", fontsize=14)
    ax.text(0.5, 0.5, "small", fontsize=6)
    ax.text(0.5, 0.2, "hidden", fontsize=3, visible=False)
    ax.tick_params(labelsize=12)
    assert base.smallest_text_px(fig, 144) == 12.0  # 6 pt at 144 dpi
    plt.close(fig)


def test_portrait_frames_carry_their_smallest_text():
    demo = Demo(lambda k=1: side_by_side(), {"k": [1, 2]}, title="two panels")
    wide, narrow = demo.frame_pngs(k=1)
    with Image.open(io.BytesIO(wide)) as w, Image.open(io.BytesIO(narrow)) as n:
        assert n.width < w.width and n.height > w.height, "a tall, narrow picture"
        squeezed = {
            name: float(image.text[base.SMALLEST_TEXT_KEY]) * 358 / image.width
            for name, image in (("wide", w), ("narrow", n))
        }
    assert squeezed["wide"] < 8 < 11 <= squeezed["narrow"], squeezed


def test_static_html_offers_the_portrait_layout_to_narrow_screens(demo):
    page = demo.static_html()
    frames = demo.frames()
    source = re.search(r"<picture><source [^>]*>", page).group(0)
    assert 'media="(max-width: 640px)"' in source
    assert f'srcset="data:image/png;base64,{frames["p0,0"]}"' in source
    assert "matchMedia" in page, (
        "a narrow screen fetches the portrait frames, a wide one the others"
    )


def test_a_figure_constrained_layout_cannot_place_keeps_one_layout():
    def with_colorbar(k=1):
        fig = plt.figure(figsize=(8, 3))
        fig.subplots_adjust(wspace=0.1)
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [3, 2, 3]})
        shown = axes[2].imshow(np.eye(3) * k)
        fig.colorbar(shown, ax=axes[2], fraction=0.046, pad=0.03)
        return fig

    demo = Demo(with_colorbar, {"k": [1, 2]}, title="colorbar")
    frames = demo.frames()
    assert sorted(frames) == ["0", "1"]
    assert "<source" not in demo.static_html()

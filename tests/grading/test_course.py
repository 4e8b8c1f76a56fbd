"""The course object: settings given once reach every step and nbgrader itself; `all` and
unknown assignment names; bad settings are refused before they are saved."""

from __future__ import annotations

import re
from pathlib import Path

import gradingkit as kit
import pytest
from nngrade import cli
from nngrade.course import Course, UnknownAssignment, released, select
from nngrade.release import copy_course
from support import ROOT
from traitlets.config.loader import PyFileConfigLoader


@pytest.fixture
def course(tmp_path) -> Path:
    return copy_course(kit.COURSE, tmp_path / "course")


def nbgrader_db_url(root: Path) -> str:
    """The gradebook URL as nbgrader's apps (and formgrader) load it from the course."""
    return (
        PyFileConfigLoader("nbgrader_config.py", path=str(root))
        .load_config()
        .CourseDirectory.db_url
    )


def test_a_gradebook_url_given_once_is_every_steps_and_nbgraders(course, monkeypatch):
    monkeypatch.delenv("NNGRADE_DB_URL", raising=False)
    url = f"sqlite:///{course / 'elsewhere.db'}"
    assert Course.open(course, db_url=url).db_url == url
    assert Course.open(course).db_url == url  # a later step, given nothing
    assert Course.open(course).config().CourseDirectory.db_url == url
    assert nbgrader_db_url(course) == url
    monkeypatch.setenv("NNGRADE_DB_URL", "sqlite:////tmp/from-env.db")
    assert nbgrader_db_url(course) == "sqlite:////tmp/from-env.db"


def test_all_is_every_released_assignment_and_a_wrong_name_lists_them(course):
    assert released(Course.open(course)) == []
    (course / "exercises" / "01_neurons").mkdir(parents=True)
    assert select(Course.open(course), "all") == ["01_neurons"]
    with pytest.raises(UnknownAssignment) as error:
        select(Course.open(course), "01_neuron")
    assert str(error.value) == (
        "'01_neuron' is not an assignment of this course; the assignments are: "
        f"{', '.join(kit.assignment_names())} (or all)"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["export", "nope"], "'nope' is not an assignment of this course"),
        (["report", "--lms", "webct"], "unknown LMS 'webct': use one of canvas, moodle"),
        (["report", "--roster", "missing.csv"], "missing.csv does not exist"),
    ],
)
def test_bad_input_is_one_line_and_saves_nothing(course, capsys, argv, message):
    assert cli.main([*argv, "--course", str(course)]) == 2
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith(f"nngrade {argv[0]}: ") and message in said[0]
    assert not (course / "nngrade.json").exists()


def test_a_folder_without_nbgrader_config_is_not_a_course(tmp_path, capsys):
    assert cli.main(["report", "--course", str(tmp_path)]) == 2
    assert "is not a course directory: it has no nbgrader_config.py" in capsys.readouterr().err


def test_the_make_targets_call_only_nngrade():
    makefile = (ROOT / "Makefile").read_text()
    for step in cli.STEPS:
        # after silent set-up lines (`@bash scripts/system-deps.sh bubblewrap`), nngrade itself
        recipe = re.search(rf"^{step}:.*\n(?:\t@.*\n)*\t(.+)$", makefile, flags=re.M)
        assert recipe and recipe.group(1).startswith(f"$(NNGRADE) {step} $(ASSIGNMENT) "), step
    assert "-m nngrade" not in makefile


def test_formgrader_lists_the_real_assignments_not_shared_code(course):
    """Formgrader lists what nbgrader's API calls the source assignments: once the course's
    nbgrader_config.py is loaded (as formgrader loads it), `solutions/_shared` is not one."""
    from nbgrader.apps import NbGraderAPI

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    listed = NbGraderAPI(config=config).get_source_assignments()
    assert (course / "solutions" / "_shared").is_dir()
    assert sorted(listed) == kit.assignment_names() and "_shared" not in listed


def test_an_assignment_is_any_folder_of_notebooks(tmp_path):
    import two_notebooks as two

    root = two.make_course(tmp_path / "course")
    (root / "source" / "notes").mkdir()
    (root / "source" / "notes" / "helpers.py").write_text("x = 1\n")
    assert select(Course.open(root), "ps1") == ["ps1"]
    with pytest.raises(UnknownAssignment, match="'notes' is not an assignment.*: ps1"):
        select(Course.open(root), "notes")


def test_formgrader_shows_a_submission_with_its_maths_typeset(course, tmp_path):
    """Formgrader's submission page loads MathJax 2 from a CDN; once the course's config is
    loaded (as formgrader loads it), the page comes with its maths typeset and no MathJax."""
    from types import SimpleNamespace

    from nbgrader.server_extensions.formgrader import handlers

    page = (
        '<html><head><!-- Load mathjax -->\n<script src="https://cdnjs.cloudflare.com/x.js">'
        "</script><!-- End of mathjax configuration --></head><body>"
        '<div class="rendered_html"><p>Why is $\\sigma(0) = 1/2$?</p></div></body></html>'
    )

    class Exporter:  # formgrader's HTMLExporter, as far as the page handler uses it
        def from_filename(self, filename, resources=None):
            return page, {"given": resources}

    PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    handler = SimpleNamespace(settings={"nbgrader_exporter": Exporter()})
    shown, resources = handlers.SubmissionHandler.exporter.fget(handler).from_filename(
        str(tmp_path / "p1.ipynb"), resources={"a": 1}
    )
    assert resources == {"given": {"a": 1}}
    assert "<mjx-container" in shown and "cdnjs" not in shown and "$\\sigma" not in shown

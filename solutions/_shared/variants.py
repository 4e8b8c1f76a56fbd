# Shared by every assignment: nngrade.authoring inlines this file into a LOCKED cell that runs
# before any answer cell (`#: include variants.py`, followed by `_start_variant("<assignment>")`),
# so students see it and the grader restores it. The tests import it as a module too
# (tests/grading/gradingkit.py), to compute any student's variant outside a notebook.
"""Per-student variants: the numbers of some tasks are drawn from the student's identity.

The variant of a student is a keyed hash of the assignment's name and the student id
(HMAC-SHA256, the key a course constant), which seeds the generator of the assignment's task
data below: the same student gets the same numbers in every release of an assignment, and other
numbers in every other assignment. The student id comes from, in this order:

1. grading with plain `nbgrader autograde`: the folder nbgrader runs the notebook in,
   `autograded/<student id>/<assignment>/`;
2. grading with `nngrade`: the file `.nngrade-student-id` that the grader writes beside the
   notebook, from its roster (over any such file a student handed in);
3. working in the student edition: the file `.nnbook-student-id` in the edition's folder, written
   once by `python -m nnbook.student_id YOUR_ID` (and carried to a newer edition by
   `python -m nnbook.upgrade`);
4. nothing of these (a reader of the website): the default variant, and the cell says so.

The identity is read, and the variant drawn, when this cell runs, before any answer cell. The
tests read the variant through `_variant(NAME)`, which returns a fresh copy of the value drawn
then and is bound again before every cell (as the checks are): an answer that rebinds a task's
visible names, writes an identity file or sets an environment variable changes what the answer
computes, never what it is compared with.
"""

VARIANT_KEY = b"nn-course per-student variants, v1"
EDITION_ID_FILE = ".nnbook-student-id"
GRADER_ID_FILE = ".nngrade-student-id"


def variant_seed(assignment, student):
    """The seed of `student`'s variant of `assignment`: HMAC-SHA256(key, assignment, student)."""
    import hashlib
    import hmac

    message = f"{assignment}\x00{student}".encode()
    return int.from_bytes(hmac.new(VARIANT_KEY, message, hashlib.sha256).digest()[:8], "big")


def _neurons(rng):
    """01: the XOR network's two input levels, the two rings' centre.

    Never levels for which the student edition's XOR network, deck 002's for inputs 0 and 1
    (`nnbook.neurons.xor_by_hand`), is right: on this grid that is when low + high = 1, (0, 1)
    and (-0.5, 1.5); those students get the other gap (benchmarks/copying.py)."""
    low = float(rng.integers(-10, 10)) / 2  # -5.0, -4.5, ..., 4.5
    gap = float(rng.integers(1, 3))  # one or two above
    if 2 * low + gap == 1:
        gap = 3 - gap
    return {
        "XOR_LOW": low,
        "XOR_HIGH": low + gap,
        "RING_CENTER": rng.integers(-4, 5, size=2) / 2,  # a 9 x 9 grid of step 0.5
    }


def _backprop(rng):
    """02: the one-neuron network computed by hand (numbers on a grid of 0.1, |w| >= 0.3)."""
    tenths = rng.integers(3, 16, size=4) * rng.choice([-1, 1], size=4) / 10
    x, t, b1, b2 = (rng.integers(-15, 16, size=4) / 10).tolist()
    return {
        "HAND": {"x": x, "t": t, "w1": float(tenths[0]), "b1": b1, "w2": float(tenths[1]), "b2": b2}
    }


def _autodiff(rng):
    """03: the point where f(x1, x2) = x1 * x2 + sin(x1) is differentiated by hand."""
    x1, x2 = (rng.integers(-20, 21, size=2) / 10).tolist()
    return {"HAND": {"x1": x1, "x2": x2}}


def _optimizers(rng):
    """04: two momentum steps by hand."""
    theta0, g1, g2 = (rng.integers(-30, 31, size=3) / 10).tolist()
    return {"HAND": {"theta0": theta0, "g1": g1, "g2": g2, "lr": int(rng.integers(1, 10)) / 10}}


def _regularization(rng):
    """05: one gradient step with weight decay by hand."""
    w, g = (rng.integers(-20, 21, size=(2, 3)) / 10).tolist()
    lam, lr = int(rng.integers(1, 21)) / 100, int(rng.integers(1, 6)) / 10
    return {"HAND": {"w": w, "g": g, "lam": lam, "lr": lr}}


def _initialization(rng):
    """06: a dense layer's fan-in, fan-out and input variance."""
    fan_in, fan_out = (int(n) for n in rng.integers(16, 1025, size=2))
    return {"HAND": {"fan_in": fan_in, "fan_out": fan_out, "var_x": int(rng.integers(1, 13)) / 4}}


def _beyond(rng):
    """07: a convolution layer's sizes."""
    h, w = (int(n) for n in rng.integers(8, 65, size=2))
    layer = {"k": int(rng.choice([1, 3, 5, 7])), "stride": int(rng.integers(1, 4))}
    layer |= {"padding": int(rng.integers(0, 4)), "c_in": int(rng.integers(1, 17))}
    return {"HAND": {"h": h, "w": w, **layer, "c_out": int(rng.integers(1, 65))}}


VARIANTS = {
    "01_neurons": _neurons,
    "02_backprop": _backprop,
    "03_autodiff": _autodiff,
    "04_optimizers": _optimizers,
    "05_regularization": _regularization,
    "06_initialization": _initialization,
    "07_beyond_mlp": _beyond,
}
# the graded test cells whose expected answer depends on the variant, and the names each reads
VARIANT_TASKS = {
    "01_neurons": {"test_xor": ("XOR_LOW", "XOR_HIGH"), "test_rings": ("RING_CENTER",)},
    "02_backprop": {"test_hand": ("HAND",)},
    "03_autodiff": {"test_hand": ("HAND",)},
    "04_optimizers": {"test_hand": ("HAND",)},
    "05_regularization": {"test_hand": ("HAND",)},
    "06_initialization": {"test_hand": ("HAND",)},
    "07_beyond_mlp": {"test_hand": ("HAND",)},
}


def variant_values(assignment, student):
    """The task data of `student`'s variant of `assignment` ("" is the default variant)."""
    import numpy

    return VARIANTS[assignment](numpy.random.default_rng(variant_seed(assignment, student)))


def student_identity(assignment, folder=None):
    """(student id, where it came from) for a notebook of `assignment` run in `folder`."""
    import os
    import pathlib

    here = pathlib.Path(folder or os.getcwd()).resolve()
    if os.environ.get("NBGRADER_EXECUTION") == "autograde" and here.name == assignment:
        return here.parent.name, "the folder nbgrader grades it in"
    given = here / GRADER_ID_FILE
    if given.is_file():
        return given.read_text().strip(), "the grader's roster"
    for parent in (here, *here.parents):
        stored = parent / EDITION_ID_FILE
        if stored.is_file():
            return stored.read_text().strip(), str(stored)
    return "", ""


def _start_variant(assignment):
    """Draw this notebook's variant, publish its names, keep a private copy for the tests.

    Once per kernel: run again (the cell re-run, or an answer calling it), it publishes the
    variant drawn the first time, so that no identity set afterwards changes the variant."""
    import copy

    namespace, deepcopy = globals(), copy.deepcopy
    try:
        events = get_ipython().events  # noqa: F821 (IPython's; absent outside a kernel)
    except NameError:
        events = None
    hooks = events.callbacks["pre_run_cell"] if events is not None else []
    first = [h for h in hooks if getattr(h, "__qualname__", "") == "_start_variant.<locals>.keep"]
    if first:
        first[0]()  # the first variant's `_variant` and `STUDENT_ID`, bound again
        variant, student = namespace["_variant"], namespace["STUDENT_ID"]
        names = [name for task in VARIANT_TASKS[assignment].values() for name in task]
        values = {name: variant(name) for name in names}
        source = "this kernel's first run (restart the kernel to change it)"
    else:
        student, source = student_identity(assignment)
        values = variant_values(assignment, student)

        def variant(name):
            return deepcopy(values[name])

        kept = {"_variant": variant, "STUDENT_ID": student}
        update = namespace.update

        def keep(*_):
            update(kept)

        keep()
        if events is not None:
            events.register("pre_run_cell", keep)
    namespace.update(deepcopy(values))
    shown = ", ".join(f"{name} = {values[name]}" for name in values)
    if student:
        print(f"Your variant (student id {student!r}, from {source}): {shown}")
    else:
        print(
            f"No student id set: this is the DEFAULT variant ({shown}). In the student edition's "
            "folder run `python -m nnbook.student_id YOUR_ID` once, then restart the kernel."
        )

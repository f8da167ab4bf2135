"""Jupyter notebooks: code cells checked and fixed, IPython syntax untouched, the JSON kept as written."""

from __future__ import annotations

import json

import pytest

from bn_codemod.config import Settings
from bn_codemod.findings import Edit
from bn_codemod.notebook import NotebookError, analyze_notebook

PYTHON_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "version": "3.11.7"},
}

# Exactly what Jupyter writes (indent 1, sorted keys, raw non-ASCII, trailing newline), with an image
# output, non-ASCII in markdown, output and metadata, and a cell whose source is a string.
JUPYTER_TEXT = """{
 "cells": [
  {
   "cell_type": "markdown",
   "id": "intro",
   "metadata": {},
   "source": [
    "# Modèle: an ensemble under `vmap` — résumé\\n",
    "\\n",
    "The cells below build it."
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "id": "imports",
   "metadata": {},
   "outputs": [],
   "source": [
    "import torch\\n",
    "import torch.nn as nn"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "id": "model",
   "metadata": {
    "tags": [
     "modèle"
    ]
   },
   "outputs": [
    {
     "data": {
      "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "text/plain": [
       "<Figure size 640x480 with 1 Axes> ✓ 日本"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": [
    "class Net(nn.Module):\\n",
    "    def __init__(self):\\n",
    "        super().__init__()\\n",
    "        self.bn = nn.BatchNorm2d(64)  # é\\n",
    "\\n",
    "net = Net()"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": null,
   "id": "head",
   "metadata": {},
   "outputs": [],
   "source": "head = nn.BatchNorm1d(10)\\nprint(head)"
  }
 ],
 "metadata": {
  "kernelspec": {
   "display_name": "Python 3 (ipykernel)",
   "language": "python",
   "name": "python3"
  },
  "language_info": {
   "name": "python",
   "version": "3.11.7"
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"""

JUPYTER_FIXED = JUPYTER_TEXT.replace(
    '"        self.bn = nn.BatchNorm2d(64)  # é\\n"',
    '"        self.bn = nn.BatchNorm2d(64, track_running_stats=False)  # é\\n"',
).replace(
    '"source": "head = nn.BatchNorm1d(10)\\nprint(head)"',
    '"source": "head = nn.BatchNorm1d(10, track_running_stats=False)\\nprint(head)"',
)

# Another writer: indent 2, keys in insertion order, no trailing newline.
INDENT_2_TEXT = """{
  "nbformat": 4,
  "nbformat_minor": 2,
  "metadata": {
    "kernelspec": {
      "name": "python3",
      "language": "python",
      "display_name": "Python 3"
    }
  },
  "cells": [
    {
      "source": [
        "from torch import nn\\n",
        "layers = [nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)]"
      ],
      "cell_type": "code",
      "outputs": [
        {
          "name": "stdout",
          "text": [
            "naïve\\n"
          ],
          "output_type": "stream"
        }
      ],
      "metadata": {},
      "execution_count": 3
    }
  ]
}"""


def jupyter_text(sources: list, metadata: dict | None = None, cell_type: str = "code") -> str:
    """A notebook of code cells written exactly as Jupyter writes it."""
    cells = [
        {"cell_type": cell_type, "execution_count": None, "metadata": {}, "outputs": [], "source": source}
        for source in sources
    ]
    if cell_type != "code":
        for cell in cells:
            del cell["execution_count"], cell["outputs"]
    notebook = {"cells": cells, "metadata": PYTHON_METADATA if metadata is None else metadata,
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def positions(result) -> list[tuple[str, int, int, int]]:
    return [(f.code, f.cell, f.line, f.column) for f in result.findings]


def cell_sources(text: str) -> list:
    return [cell["source"] for cell in json.loads(text)["cells"]]


# The JSON is kept as written


def test_the_fixture_is_exactly_what_jupyter_writes():
    assert json.dumps(json.loads(JUPYTER_TEXT), indent=1, sort_keys=True, ensure_ascii=False) + "\n" == JUPYTER_TEXT


def test_jupyter_notebook_changes_only_the_fixed_source_lines():
    result = analyze_notebook(JUPYTER_TEXT)

    assert JUPYTER_FIXED != JUPYTER_TEXT
    assert result.new_text == JUPYTER_FIXED
    assert result.changed is True
    assert positions(result) == [("BN001", 3, 4, 19), ("BN001", 4, 1, 8)]
    assert [(f.end_line, f.end_column, f.fixable, f.fixed) for f in result.findings] == [
        (4, 37, True, False),
        (1, 26, True, False),
    ]
    assert result.edits == [
        Edit(4, 19, "add-keyword", "track_running_stats", "False"),
        Edit(1, 8, "add-keyword", "track_running_stats", "False"),
    ]
    assert result.skipped_cells == []


def test_fixing_twice_changes_nothing_more():
    fixed = analyze_notebook(JUPYTER_TEXT).new_text

    again = analyze_notebook(fixed)

    assert again.new_text is fixed
    assert again.changed is False
    assert again.findings == []


def test_notebook_without_findings_is_returned_as_the_same_text():
    text = JUPYTER_FIXED

    result = analyze_notebook(text)

    assert result.new_text is text
    assert (result.changed, result.findings, result.edits, result.skipped_cells) == (False, [], [], [])


def test_indent_2_unsorted_notebook_keeps_its_layout():
    result = analyze_notebook(INDENT_2_TEXT)

    assert result.new_text == INDENT_2_TEXT.replace(
        '"layers = [nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)]"',
        '"layers = [nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, track_running_stats=False)]"',
    )
    assert positions(result) == [("BN001", 1, 2, 31)]


def test_escaped_non_ascii_and_crlf_line_endings_are_kept():
    text = json.dumps(json.loads(JUPYTER_TEXT), indent=1, sort_keys=True).replace("\n", "\r\n") + "\r\n"
    assert "\\u00e9" in text and text.isascii()

    result = analyze_notebook(text)

    assert result.new_text == text.replace(
        '"        self.bn = nn.BatchNorm2d(64)  # \\u00e9\\n"',
        '"        self.bn = nn.BatchNorm2d(64, track_running_stats=False)  # \\u00e9\\n"',
    ).replace("nn.BatchNorm1d(10)", "nn.BatchNorm1d(10, track_running_stats=False)")
    assert result.new_text.count("track_running_stats=False") == 2


def test_formatting_json_cannot_reproduce_is_spliced_around_the_changed_source():
    # Inline arrays, an escaped slash and a float spelled 1e3: json.dumps reproduces none of them.
    text = (
        '{"cells": [\n'
        '  {"cell_type": "code", "metadata": {"scale": 1e3}, "outputs": [], "execution_count": 1,\n'
        '   "source": ["import torch.nn as nn\\n", "# see https:\\/\\/pytorch.org\\n", "bn = nn.BatchNorm2d(3)"]}\n'
        '],\n'
        ' "metadata": {}, "nbformat": 4, "nbformat_minor": 4}\n'
    )

    result = analyze_notebook(text)

    assert result.new_text == text.replace(
        '"bn = nn.BatchNorm2d(3)"', '"bn = nn.BatchNorm2d(3, track_running_stats=False)"'
    )
    assert positions(result) == [("BN001", 1, 3, 6)]


def test_spliced_source_that_gains_lines_keeps_the_item_separator():
    text = (
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,\n'
        '   "source": ["import torch.nn as nn\\n", "norm = nn.BatchNorm2d   # \\/"]}],\n'
        ' "metadata": {}, "nbformat": 4, "nbformat_minor": 4}\n'
    )

    result = analyze_notebook(text)

    assert result.new_text == text.replace(
        '"import torch.nn as nn\\n", "norm = nn.BatchNorm2d   # \\/"',
        # An unchanged line keeps its spelling; a changed one is written as json.dumps writes it.
        '"from functools import partial\\n", "\\n", "import torch.nn as nn\\n", "\\n", '
        '"norm = partial(nn.BatchNorm2d, track_running_stats=False)   # /"',
    )


def test_splice_without_a_known_item_separator_is_refused():
    text = (
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,\n'
        '   "source": ["import torch.nn as nn; norm = nn.BatchNorm2d  # \\/"]}],\n'
        ' "metadata": {}, "nbformat": 4, "nbformat_minor": 4}\n'
    )

    with pytest.raises(NotebookError, match=r"^cannot preserve this notebook's JSON formatting$"):
        analyze_notebook(text)


def test_one_line_source_that_gains_lines_in_a_jupyter_notebook():
    text = jupyter_text([["import torch.nn as nn; norm = nn.BatchNorm2d"]])

    result = analyze_notebook(text)

    assert result.new_text == jupyter_text([[
        "from functools import partial\n",
        "\n",
        "import torch.nn as nn; norm = partial(nn.BatchNorm2d, track_running_stats=False)",
    ]])


def test_compact_notebook_is_reserialised_when_that_reproduces_it():
    # Splicing could not tell how to separate a second item from the first; json.dumps can.
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": ["import torch.nn as nn; norm = nn.BatchNorm2d"]}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(notebook)

    result = analyze_notebook(text)

    cell["source"] = [
        "from functools import partial\n",
        "\n",
        "import torch.nn as nn; norm = partial(nn.BatchNorm2d, track_running_stats=False)",
    ]
    assert result.new_text == json.dumps(notebook)


def test_notebook_file_round_trips_through_bytes(tmp_path):
    path = tmp_path / "model.ipynb"
    path.write_bytes(JUPYTER_TEXT.encode("utf-8"))

    result = analyze_notebook(path.read_bytes().decode("utf-8"))
    path.write_bytes(result.new_text.encode("utf-8"))

    assert path.read_bytes() == JUPYTER_FIXED.encode("utf-8")


# Which cells are analysed, and how


def test_imports_in_an_earlier_cell_count_and_the_partial_import_joins_them():
    text = jupyter_text([
        ["import torch\n", "import torch.nn as nn\n"],
        ["norm_layer = nn.BatchNorm2d\n"],
    ])

    result = analyze_notebook(text)

    assert cell_sources(result.new_text) == [
        ["from functools import partial\n", "\n", "import torch\n", "import torch.nn as nn\n"],
        ["norm_layer = partial(nn.BatchNorm2d, track_running_stats=False)\n"],
    ]
    assert result.new_text == jupyter_text(cell_sources(result.new_text))
    assert positions(result) == [("BN002", 2, 1, 14)]
    assert result.edits[-1] == Edit(0, 0, "add-import", "", "from functools import partial", index=0)


def test_cell_numbers_count_every_cell_and_lines_are_within_the_cell():
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["import torch\n", "nn.BatchNorm2d(1)"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": ["import torch\n"]},
        {"cell_type": "raw", "metadata": {}, "source": ["nn.BatchNorm2d(2)"]},
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [],
         "source": ["\n", "\n", "x = 1\n", "m = torch.nn.BatchNorm3d(4, affine=False)\n"]},
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"

    result = analyze_notebook(text, settings=Settings(select=("BN001",)))

    assert positions(result) == [("BN001", 4, 4, 5)]
    fixed_line = "m = torch.nn.BatchNorm3d(4, affine=False, track_running_stats=False)\n"
    assert cell_sources(result.new_text)[3] == ["\n", "\n", "x = 1\n", fixed_line]
    assert cell_sources(result.new_text)[0] == ["import torch\n", "nn.BatchNorm2d(1)"]
    assert result.edits == [Edit(4, 5, "add-keyword", "track_running_stats", "False")]


def test_select_and_extra_classes_apply():
    text = jupyter_text([["import torch.nn as nn\n", "import mylib.layers\n",
                          "a = nn.BatchNorm2d(3)\n", "b = mylib.layers.MyNorm(3)\n"]])

    result = analyze_notebook(text, ["mylib.layers.MyNorm"], settings=Settings(ignore=("BN001",)))
    assert result.findings == []

    result = analyze_notebook(text, ["mylib.layers.MyNorm"])
    assert positions(result) == [("BN001", 1, 3, 5), ("BN001", 1, 4, 5)]


def test_notebook_without_code_cells():
    text = jupyter_text([["import torch\n", "nn.BatchNorm2d(3)\n"]], cell_type="markdown")

    result = analyze_notebook(text)

    assert result.new_text is text
    assert (result.changed, result.findings, result.skipped_cells) == (False, [], [])


@pytest.mark.parametrize("metadata", [
    {"kernelspec": {"display_name": "R", "language": "R", "name": "ir"}},
    {"language_info": {"name": "julia"}, "kernelspec": {"language": "python"}},
])
def test_notebook_of_another_language_is_not_analysed(metadata):
    text = jupyter_text([["import torch\n", "bn = torch.nn.BatchNorm2d(3)\n"], ["%%bash\n"]], metadata)

    result = analyze_notebook(text)

    assert result.new_text is text
    assert (result.changed, result.findings, result.skipped_cells) == (False, [], [])


def test_notebook_of_another_language_is_not_validated_either():
    text = ('{"cells": [{"cell_type": "code", "source": 3, "id": "BatchNorm"}], '
            '"metadata": {"kernelspec": {"language": "R", "note": "torch"}}}')

    assert analyze_notebook(text).new_text is text


def test_notebook_without_language_metadata_is_python():
    text = jupyter_text([["import torch\n", "bn = torch.nn.BatchNorm2d(3)\n"]], metadata={})

    assert positions(analyze_notebook(text)) == [("BN001", 1, 2, 6)]


def test_cell_that_does_not_parse_is_skipped_and_left_alone():
    broken = ["import torch.nn as nn\n", "bn = nn.BatchNorm2d(3\n"]
    text = jupyter_text([["import torch.nn as nn\n"], broken, ["bn = nn.BatchNorm2d(4)"]])

    result = analyze_notebook(text)

    assert cell_sources(result.new_text) == [
        ["import torch.nn as nn\n"], broken, ["bn = nn.BatchNorm2d(4, track_running_stats=False)"]
    ]
    assert result.skipped_cells == [2]
    assert positions(result) == [("BN001", 3, 1, 6)]


def test_cell_only_libcst_rejects_is_skipped_and_the_others_analysed(monkeypatch):
    # As if CPython accepted every cell: the joined module fails in libcst, the culprit is found.
    monkeypatch.setattr("bn_codemod.notebook._compiles", lambda source: True)
    text = jupyter_text([["import torch.nn as nn\n"], ["bn = nn.BatchNorm2d(3\n"], ["bn = nn.BatchNorm2d(4)\n"]])

    result = analyze_notebook(text)

    assert cell_sources(result.new_text) == [
        ["import torch.nn as nn\n"], ["bn = nn.BatchNorm2d(3\n"], ["bn = nn.BatchNorm2d(4, track_running_stats=False)\n"]
    ]
    assert result.skipped_cells == [2]
    assert positions(result) == [("BN001", 3, 1, 6)]


def test_cells_that_parse_only_together_are_skipped():
    # The second cell continues the first's block: on its own it is an IndentationError.
    text = jupyter_text([["import torch.nn as nn\n", "def f():\n"], ["    return nn.BatchNorm2d(3)\n"]])

    result = analyze_notebook(text)

    assert result.new_text is text
    assert result.skipped_cells == [1, 2]


# Errors


def test_invalid_json_is_a_notebook_error():
    with pytest.raises(NotebookError, match=r"^invalid JSON: Expecting ',' delimiter at line 1, column 38$"):
        analyze_notebook('{"cells": [{"source": "import torch" "nn.BatchNorm2d(3)"}]}')


def test_json_that_is_not_a_notebook_is_a_notebook_error():
    with pytest.raises(NotebookError, match=r'^not a Jupyter notebook: no "cells" list \(nbformat 4 or later\)$'):
        analyze_notebook('{"worksheets": [{"cells": [{"input": "torch.nn.BatchNorm2d(3)"}]}], "nbformat": 3}')


def test_code_cell_without_source_is_a_notebook_error():
    text = '{"cells": [{"cell_type": "code", "source": 3}], "metadata": {"torch": "BatchNorm"}}'

    with pytest.raises(NotebookError, match=r'^not a Jupyter notebook: cell 1 has no "source" string or list'):
        analyze_notebook(text)


def test_text_that_cannot_hold_a_finding_is_not_even_parsed():
    # The same limit as for .py files: no torch and no Norm, nothing to report.
    text = "{ not json"

    assert analyze_notebook(text).new_text is text


# IPython syntax


def fixed_cell(source: list[str], prelude: str = "import torch.nn as nn\n") -> tuple[list, list, list]:
    """(new source of the second cell, its findings (code, line, column), skipped cells)."""
    text = jupyter_text([[prelude], source])
    result = analyze_notebook(text)
    new_sources = cell_sources(result.new_text)
    assert new_sources[0] == [prelude]
    assert result.new_text == jupyter_text(new_sources)
    return new_sources[1], [(f.code, f.line, f.column) for f in result.findings if f.cell == 2], result.skipped_cells


@pytest.mark.parametrize("magic", [
    "%matplotlib inline",
    "%load_ext autoreload",
    "%time x = f()",
    "!pip install torch",
    "!!ls -la (",
    "x = !ls",
    "files, more = %sx ls",
    "?nn.BatchNorm2d",
    "??nn.BatchNorm2d",
    "nn.BatchNorm2d?",
    "nn.BatchNorm2d??",
    "%psearch nn.Batch*",
    "/print 'a'",
])
def test_line_magics_stay_and_the_code_around_them_is_fixed(magic):
    source, findings, skipped = fixed_cell([f"{magic}\n", "bn = nn.BatchNorm2d(3)\n", magic])

    assert source == [f"{magic}\n", "bn = nn.BatchNorm2d(3, track_running_stats=False)\n", magic]
    assert findings == [("BN001", 2, 6)]
    assert skipped == []


def test_magics_inside_indented_blocks():
    source, findings, _ = fixed_cell([
        "for size in (8, 16):\n",
        "    %time layer = nn.BatchNorm1d(size)\n",
        "def build():\n",
        "    !echo building\n",
        "    x = !ls\n",
        "    return nn.BatchNorm2d(3)\n",
    ])

    assert source == [
        "for size in (8, 16):\n",
        "    %time layer = nn.BatchNorm1d(size, track_running_stats=False)\n",
        "def build():\n",
        "    !echo building\n",
        "    x = !ls\n",
        "    return nn.BatchNorm2d(3, track_running_stats=False)\n",
    ]
    assert findings == [("BN001", 2, 19), ("BN001", 6, 12)]


@pytest.mark.parametrize("magic", ["%time ", "%timeit ", "%timeit -n 10 -r3 -o ", "%time\t", "  %timeit -q  "])
def test_the_statement_a_timing_magic_runs_is_fixed(magic):
    """`%time bn = nn.BatchNorm2d(4)` runs the statement: it is analysed at its own columns."""
    source, findings, skipped = fixed_cell(["if True:\n" if magic.startswith(" ") else "\n", f"{magic}bn = nn.BatchNorm2d(4)\n"])

    assert source[1] == f"{magic}bn = nn.BatchNorm2d(4, track_running_stats=False)\n"
    assert findings == [("BN001", 2, len(magic) + 6)]
    assert skipped == []


@pytest.mark.parametrize("line", [
    "%time for i in range(2): bn = nn.BatchNorm2d(4)\n",  # not a simple statement: stays masked
    "%prun bn = nn.BatchNorm2d(4)\n",  # other magics stay masked
    "%timeit -x bn = nn.BatchNorm2d(4)\n",  # not an option %timeit has
    "%time\n",
    "%%time bn = nn.BatchNorm2d(4)\n",
])
def test_other_magic_lines_stay_masked(line):
    source, findings, skipped = fixed_cell([line, "x = 1\n"])

    assert source == [line, "x = 1\n"]
    assert findings == []
    assert skipped == []


def test_a_users_own_pass_semicolon_keeps_statement_magics_masked():
    """Restoring finds the stand-ins by their `pass;`: a cell with its own keeps the old masking."""
    lines = ["pass;  x = 1\n", "%time bn = nn.BatchNorm2d(4)\n", "other = nn.BatchNorm2d(2)\n"]
    source, findings, _ = fixed_cell(lines)

    assert source == [*lines[:2], "other = nn.BatchNorm2d(2, track_running_stats=False)\n"]
    assert findings == [("BN001", 3, 9)]


def test_statement_magics_round_trip_byte_for_byte_when_nothing_changes():
    text = jupyter_text([["import torch.nn as nn\n"], ["%timeit -n 3 y = nn.BatchNorm2d(2, track_running_stats=False)"]])

    result = analyze_notebook(text)

    assert result.new_text is text
    assert result.findings == []


def test_magics_continued_with_a_backslash():
    source, findings, _ = fixed_cell([
        "!pip install \\\n",
        "    torch \\\n",
        "    torchvision\n",
        "%time y = \\\n",
        "  nn.BatchNorm2d(1)\n",
        "bn = nn.BatchNorm2d(3)\n",
    ])

    assert source == [
        "!pip install \\\n",
        "    torch \\\n",
        "    torchvision\n",
        "%time y = \\\n",
        "  nn.BatchNorm2d(1)\n",
        "bn = nn.BatchNorm2d(3, track_running_stats=False)\n",
    ]
    assert findings == [("BN001", 6, 6)]


def test_escape_characters_inside_python_are_not_magics():
    source, findings, _ = fixed_cell([
        "doc = '''\n",
        "%not a magic\n",
        "!nor this\n",
        "'''\n",
        "bn = nn.BatchNorm2d(64\n",
        "    % 7)\n",
        "x = 'what?'  # really?\n",
        "opening = '(['  # ([\n",
        "%time y = 1\n",
    ])

    assert source == [
        "doc = '''\n",
        "%not a magic\n",
        "!nor this\n",
        "'''\n",
        "bn = nn.BatchNorm2d(64\n",
        "    % 7, track_running_stats=False)\n",
        "x = 'what?'  # really?\n",
        "opening = '(['  # ([\n",
        "%time y = 1\n",
    ]
    assert findings == [("BN001", 5, 6)]


def test_a_name_bound_by_a_magic_assignment_is_not_torchs():
    source = ["BatchNorm2d = !echo\n", "bn = BatchNorm2d(3)\n"]

    new_source, findings, _ = fixed_cell(source, prelude="from torch.nn import BatchNorm2d\n")

    assert (new_source, findings) == (source, [])


@pytest.mark.parametrize("cell_magic", ["%%time", "%%timeit -n 3", "%%capture output"])
def test_python_cell_magics_have_their_body_fixed(cell_magic):
    source, findings, skipped = fixed_cell(["\n", f"{cell_magic}\n", "%time x = 1\n", "bn = nn.BatchNorm2d(3)"])

    assert source == ["\n", f"{cell_magic}\n", "%time x = 1\n", "bn = nn.BatchNorm2d(3, track_running_stats=False)"]
    assert findings == [("BN001", 4, 6)]
    assert skipped == []


@pytest.mark.parametrize("cell_magic", ["%%bash", "%%html", "%%writefile model.py", "%%script python", "%%"])
def test_other_cell_magics_are_skipped(cell_magic):
    source = [f"{cell_magic}\n", "import torch.nn as nn\n", "bn = nn.BatchNorm2d(3)\n"]

    new_source, findings, skipped = fixed_cell(source)

    assert (new_source, findings, skipped) == (source, [], [2])


def test_cell_that_is_only_a_magic_and_magics_in_string_sources():
    text = jupyter_text(["%matplotlib inline", "import torch.nn as nn\n%time m = 1\nbn = nn.BatchNorm2d(3)"])

    result = analyze_notebook(text)

    assert cell_sources(result.new_text) == [
        "%matplotlib inline",
        "import torch.nn as nn\n%time m = 1\nbn = nn.BatchNorm2d(3, track_running_stats=False)",
    ]
    assert positions(result) == [("BN001", 2, 3, 6)]


def test_placeholder_names_never_collide_with_the_notebook_text():
    source = ["# bn_codemod_0_magic_1\n", "%time x = 1\n", "bn = nn.BatchNorm2d(3)\n", "# bn_codemod_0_cell_2\n"]

    new_source, findings, _ = fixed_cell(source)

    assert new_source == [
        "# bn_codemod_0_magic_1\n",
        "%time x = 1\n",
        "bn = nn.BatchNorm2d(3, track_running_stats=False)\n",
        "# bn_codemod_0_cell_2\n",
    ]


def test_a_timing_magics_fixed_layer_runs_under_vmap():
    """What `%time bn = ...` builds after the fix runs under torch.func.vmap in train mode."""
    torch = pytest.importorskip("torch")
    source, _, _ = fixed_cell(["%timeit -n 1 bn = nn.BatchNorm2d(4)\n"], prelude="import torch.nn as nn\n")
    statement = source[0].removeprefix("%timeit -n 1 ")
    namespace: dict = {}
    exec("import torch.nn as nn\n" + statement, namespace)
    inputs = torch.randn(3, 2, 4, 5, 5)

    outputs = torch.func.vmap(namespace["bn"].train())(inputs)

    looped = torch.stack([namespace["bn"](sample) for sample in inputs])
    torch.testing.assert_close(outputs, looped)

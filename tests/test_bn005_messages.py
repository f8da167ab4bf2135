"""BN005 says what the value of track_running_stats is when it is neither True nor False."""

from __future__ import annotations

import pytest

from bn_codemod import check_source


@pytest.mark.parametrize(
    "value, described",
    [
        ("1", "a non-bool literal (1)"),
        ("0", "a non-bool literal (0)"),
        ("-1", "a non-bool literal (-1)"),
        ("1.0", "a non-bool literal (1.0)"),
        ("'yes'", "a non-bool literal ('yes')"),
        ("[]", "a non-bool literal"),
        ("track", "a value that is not a literal"),
        ("config.track", "a value that is not a literal"),
        ("not False", "a value that is not a literal"),
    ],
)
def test_the_message_says_what_the_value_is(value, described):
    [finding] = check_source(f"import torch.nn as nn\nnorm = nn.BatchNorm2d(8, track_running_stats={value})\n")

    assert (finding.code, finding.line, finding.column) == ("BN005", 2, 8)
    assert finding.message == f"BatchNorm2d: track_running_stats is set to {described}"

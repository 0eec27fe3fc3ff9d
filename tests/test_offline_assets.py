"""The dashboard's offline front-end files (KaTeX, which solara-assets lacks)."""

from __future__ import annotations

import pytest

from dashboards.offline_assets import KATEX_VERSION, install_katex


def test_a_package_that_does_not_match_the_registry_checksum_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SHA-512"):
        install_katex(tmp_path, package=b"not the katex package")
    assert not (tmp_path / f"katex@{KATEX_VERSION}").exists()


def test_installed_files_are_kept_and_nothing_is_downloaded_again(tmp_path):
    dist = tmp_path / f"katex@{KATEX_VERSION}" / "dist"
    (dist / "contrib").mkdir(parents=True)
    (dist / "katex.min.js").write_text("// katex")
    (dist / "contrib" / "auto-render.min.js").write_text("// auto-render")
    assert install_katex(tmp_path, package=b"would fail the checksum") == dist

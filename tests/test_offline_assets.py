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


def test_setup_offline_command_reports_a_failed_download_as_an_error(monkeypatch, capsys):
    from dashboards import offline_assets
    from sim.cli import main

    def no_network(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(offline_assets, "install_katex", no_network)
    assert main(["setup-offline"]) == 1
    assert "error: KaTeX for the dashboard was not installed (network unreachable)" in capsys.readouterr().err
    assert offline_assets.main() == 0  # `make setup` goes on without it: only math rendering is missing


def test_setup_offline_command_says_where_katex_is(monkeypatch, tmp_path, capsys):
    from dashboards import offline_assets
    from sim.cli import main

    monkeypatch.setattr(offline_assets, "install_katex", lambda: tmp_path)
    assert main(["setup-offline"]) == 0
    assert str(tmp_path) in capsys.readouterr().out

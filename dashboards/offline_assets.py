"""Front-end files that Solara fetches from a CDN and ``solara-assets`` does not include.

Solara's Markdown component loads KaTeX (math rendering) on every page that shows Markdown,
from ``/_solara/cdn/katex@0.16.9/…``. With no internet the server cannot fetch it and the
browser gets 404s. ``make setup`` runs this module once, and ``community-sim setup-offline`` does
the same in an installed wheel: it downloads KaTeX's npm package from the npm registry (checked
against the registry's SHA-512) and puts its ``dist`` files in Solara's CDN cache
(``<venv>/share/solara/cdn``), from which the server then serves them.

    python -m dashboards.offline_assets     # or: community-sim setup-offline
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

KATEX_VERSION = "0.16.9"  # the version solara 1.58's Markdown asks for
KATEX_URL = f"https://registry.npmjs.org/katex/-/katex-{KATEX_VERSION}.tgz"
KATEX_SHA512 = "fsSYjWS0EEOwvy81j3vRA8TEAhQhKiqO+FQaKWp0m39qwOzHVBgAUBIXWj1pB+O2W3fIpNa6Y9KSKCVbfPhyAQ=="


def cdn_cache_dir() -> Path:
    """Where the Solara server looks for CDN files before fetching them."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def install_katex(cache_dir: Path | None = None, package: bytes | None = None) -> Path:
    """Put KaTeX's ``dist`` files in the CDN cache (once); returns their directory.

    Args:
        cache_dir: The CDN cache (default: :func:`cdn_cache_dir`).
        package: The npm package's bytes (default: downloaded from the npm registry).

    Raises:
        ValueError: The package does not match the registry's checksum.
    """
    target = (cache_dir or cdn_cache_dir()) / f"katex@{KATEX_VERSION}" / "dist"
    if (target / "katex.min.js").is_file() and (target / "contrib" / "auto-render.min.js").is_file():
        return target
    if package is None:
        with urllib.request.urlopen(KATEX_URL, timeout=120) as response:
            package = response.read()
    digest = base64.b64encode(hashlib.sha512(package).digest()).decode()
    if digest != KATEX_SHA512:
        raise ValueError(f"katex-{KATEX_VERSION}.tgz does not match the npm registry's SHA-512")
    with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as tar:
        for member in tar.getmembers():
            wanted = member.isfile() and member.name.startswith("package/dist/")
            source = tar.extractfile(member) if wanted else None
            if source is None:
                continue
            path = (target / member.name.removeprefix("package/dist/")).resolve()
            if not path.is_relative_to(target.resolve()):
                raise ValueError(f"unexpected path in the package: {member.name}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read())
    return target


def main(strict: bool = False) -> int:
    """Install KaTeX; without ``strict`` (``make setup``) a failure is a warning, since an install
    without it still works (only math rendering is missing), with it (``community-sim setup-offline``)
    an error (status 1)."""
    try:
        where = install_katex()
    except (OSError, ValueError) as e:
        level = "error" if strict else "warning"
        print(f"{level}: KaTeX for the dashboard was not installed ({e}); pages log 404s for it", file=sys.stderr)
        return 1 if strict else 0
    print(f"KaTeX {KATEX_VERSION} for the dashboard: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

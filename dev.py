#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py demo` and `python3 dev.py test`.

Standard library only, so it runs with the system python3 before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"
LOCK = ROOT / "requirements" / "lock.txt"
STAMP = VENV / ".credo-install-stamp"
CHROMIUM = Path("/usr/bin/chromium")


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def run(cmd: list[str | Path], env: dict[str, str] | None = None) -> int:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env).returncode


def check(cmd: list[str | Path], env: dict[str, str] | None = None) -> None:
    if run(cmd, env) != 0:
        sys.exit(f"dev.py: command failed: {' '.join(str(c) for c in cmd)}")


def install_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies plus credo (editable)."""
    if not PY.exists():
        step("creating virtual environment .venv")
        check([sys.executable, "-m", "venv", VENV])
    if not (BIN / "uv").exists():
        step("installing uv into .venv")
        check([BIN / "pip", "install", "--quiet", "uv"])
    fingerprint = install_fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        step("dependencies up to date (requirements/lock.txt and pyproject.toml unchanged)")
        return
    step("installing locked dependencies (requirements/lock.txt)")
    env = {**os.environ, "UV_COMPILE_BYTECODE": "1"}
    check([BIN / "uv", "pip", "sync", "--python", PY, LOCK], env)
    step("installing credo (editable)")
    check([BIN / "uv", "pip", "install", "--python", PY, "--no-deps", "-e", "."], env)
    STAMP.write_text(fingerprint + "\n")


def ensure_chromium() -> None:
    """Browser tests use Debian's chromium; without it they skip with a reason."""
    if CHROMIUM.exists():
        return
    step("installing chromium (Debian package) for the browser tests")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if run(["apt-get", "update", "-q"], env) == 0:
            # A CJK font, so that the Simplified Chinese pages render in screenshots.
            run(["apt-get", "install", "-y", "-q", "chromium", "fonts-wqy-microhei"], env)
    if not CHROMIUM.exists():
        print(
            f"WARNING: {CHROMIUM} is missing and could not be installed "
            "(run `apt-get install -y chromium` as root); browser tests will be skipped.",
            flush=True,
        )


def demo(args: list[str]) -> None:
    ensure_venv()
    credo = BIN / "credo"
    step(f"credo demo {' '.join(args)}".rstrip())
    os.chdir(ROOT)
    os.execv(credo, [str(credo), "demo", *args])


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_chromium()
    if not any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args):
        args = ["-n", "auto", *args]  # one worker per core (each has its own databases)
    if not any(a.startswith("--durations") for a in args):
        args = ["--durations=30", *args]  # CI's log names the slowest tests
    lint = [d for d in ("src", "tests", "bench") if (ROOT / d).exists()]  # git drops empty dirs
    checks: list[tuple[str, list[str | Path]]] = [
        ("ruff check " + " ".join(lint), [BIN / "ruff", "check", *lint]),
        ("mypy", [BIN / "mypy"]),
        # The layers and each domain's ownership of its tables (pyproject [tool.importlinter]).
        ("lint-imports", [BIN / "lint-imports"]),
        ("pytest " + " ".join(args), [PY, "-m", "pytest", *args]),
    ]
    failed: list[str] = []
    for name, cmd in checks:
        step(name.rstrip())
        if run(cmd) != 0:
            failed.append(name.split()[0])
    step("summary")
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("demo", "test"):
        print("usage: python3 dev.py demo [ARGS...] | python3 dev.py test [PYTEST ARGS...]")
        return 2
    if argv[0] == "demo":
        demo(argv[1:])
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Builds the model's per-event modules with Cython where a C compiler exists.

Everything else about the package is in ``pyproject.toml``. The ``.py`` files are the one source
(Cython's pure-Python mode); :data:`sim.core.compiled.COMPILED_MODULES` lists them. Where Cython
or a compiler is missing, or a module fails to compile, the install goes on and that module runs
interpreted, with the same numbers (``csc-sim --version`` says which). ``CSC_SIM_INTERPRETED=1``
at install time skips the build.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
_compiled = runpy.run_path(str(HERE / "sim" / "core" / "compiled.py"))
MODULES: tuple[str, ...] = _compiled["COMPILED_MODULES"]
ENV = _compiled["INTERPRETED_ENV"]
RECORD = HERE / "sim" / "core" / "compiled_sources.json"


def _say(message: str) -> None:
    print(f"csc-sim: {message}", file=sys.stderr)


def _extensions() -> list:
    if os.environ.get(ENV, "") == "1":
        _say(f"{ENV}=1: the model core is not compiled; it runs interpreted")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _say("Cython is not available: the model core runs interpreted (same numbers)")
        return []
    from setuptools import Extension

    exts = [Extension(m, [str(Path(*m.split(".")).with_suffix(".py"))]) for m in MODULES]
    return cythonize(
        exts,
        build_dir="build/cython",
        quiet=True,
        # annotation_typing off: a hint such as ``dict`` or ``float`` must not become a C type
        # (it would refuse a defaultdict and turn an int into a float): same semantics, same bits
        compiler_directives={
            "language_level": "3",
            "binding": True,
            "embedsignature": True,
            "annotation_typing": False,
        },
    )


class OptionalBuildExt(build_ext):
    """Compiles what it can; a module that fails to build runs interpreted instead."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler at all
            _say(f"could not compile the model core ({error}); it runs interpreted (same numbers)")
            return
        self._record()

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as error:
            _say(f"could not compile {ext.name} ({error}); it runs interpreted (same numbers)")

    def _record(self) -> None:
        """Write each compiled module's source hash: an edited source then runs interpreted."""
        import hashlib

        sources = {m: HERE / Path(*m.split(".")).with_suffix(".py") for m in MODULES}
        hashes = {m: hashlib.sha256(path.read_bytes()).hexdigest() for m, path in sources.items()}
        text = json.dumps(hashes, indent=1, sort_keys=True) + "\n"
        targets = {RECORD}
        if not self.inplace and self.build_lib:
            targets.add(Path(self.build_lib) / "sim" / "core" / RECORD.name)
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})

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
SOURCE_PATH, SOURCE_HASH = _compiled["source_path"], _compiled["source_hash"]
RECORD = HERE / "sim" / "core" / "compiled_sources.json"


def _say(message: str) -> None:
    print(f"csc-sim: {message}", file=sys.stderr)


def _extensions() -> tuple[list, str]:
    """The extensions to build, and why there are none (``""`` when there are)."""
    if os.environ.get(ENV, "") == "1":
        return [], f"{ENV}=1 when it was installed"
    try:
        from Cython.Build import cythonize
    except ImportError:
        return [], "Cython was not available when it was installed"
    from setuptools import Extension

    exts = [Extension(m, [str(Path(*m.split(".")).with_suffix(".py"))]) for m in MODULES]
    return cythonize(
        exts,
        build_dir="build/cython",
        quiet=True,
        # every module again on every install: a module that imports another's types (events'
        # Process, say) is not seen by Cython's own dependency check, and a stale one would
        # expect the old layout of a changed type
        force=True,
        # annotation_typing off: a hint such as ``dict`` or ``float`` must not become a C type
        # (it would refuse a defaultdict and turn an int into a float): same semantics, same bits
        compiler_directives={
            "language_level": "3",
            "binding": True,
            "embedsignature": True,
            "annotation_typing": False,
        },
    ), ""


EXTENSIONS, NOT_BUILT = _extensions()
if NOT_BUILT:  # setuptools runs no build_ext without extensions: record why here
    _say(f"the model core is not compiled: {NOT_BUILT}; it runs interpreted (same numbers)")
    RECORD.write_text(json.dumps({"fallback": NOT_BUILT}, indent=1) + "\n", encoding="utf-8")


class OptionalBuildExt(build_ext):
    """Compiles what it can; a module that fails to build runs interpreted instead. Writes the
    build record: each compiled module's source hash, or why nothing was compiled."""

    def run(self) -> None:
        self._failed: dict[str, str] = {}
        try:
            super().run()
        except Exception as error:
            return self._fall_back(f"the install could not compile it ({error})")
        if not self.extensions:  # nothing to compile: why was recorded above
            return None
        if len(self._failed) == len(self.extensions):
            first = next(iter(self._failed.values()))
            return self._fall_back(f"the install could not compile it ({first})")
        self._write({m: SOURCE_HASH(SOURCE_PATH(m, HERE)) for m in MODULES})

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as error:
            self._failed[ext.name] = str(error)
            _say(f"could not compile {ext.name} ({error}); it runs interpreted (same numbers)")

    def copy_extensions_to_source(self) -> None:
        """Copies what was built (an editable install), passing over what failed."""
        every = self.extensions
        self.extensions = [e for e in every if e.name not in self._failed]
        try:
            super().copy_extensions_to_source()
        finally:
            self.extensions = every

    def _fall_back(self, why: str) -> None:
        _say(f"the model core is not compiled: {why}; it runs interpreted (same numbers)")
        self._write({"fallback": why})

    def _write(self, record: dict[str, str]) -> None:
        text = json.dumps(record, indent=1, sort_keys=True) + "\n"
        targets = {RECORD}
        if not self.inplace and self.build_lib:
            targets.add(Path(self.build_lib) / "sim" / "core" / RECORD.name)
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


setup(ext_modules=EXTENSIONS, cmdclass={"build_ext": OptionalBuildExt})

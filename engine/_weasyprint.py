"""Importing WeasyPrint without searching for its C libraries the slow way.

WeasyPrint opens Pango, HarfBuzz and Fontconfig by trying several names for each, most of
them names of other systems ('libgobject-2.0-0', 'gobject-2.0'). cffi hands every name it
cannot open to ctypes.util.find_library, which on Linux runs ldconfig, then gcc and ld: some
200 processes and a quarter of a second on every command that makes a document. The names
that work on Linux are the libraries' sonames ('libgobject-2.0.so.0'), which the dynamic
loader opens itself; so while WeasyPrint is imported, the search answers "not found" at once
and WeasyPrint goes on to the soname. Where that fails (the libraries are only where the
compiler looks), WeasyPrint is imported again with the search as it was.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys
import threading

_lock = threading.Lock()


def _not_searched(name: str) -> None:
    return None


def load() -> None:
    """Import WeasyPrint, once per process. Under a lock, so that no thread sees the search
    answering "not found" or finds WeasyPrint half imported; what it prints while it is
    imported is set aside, so a server imports it before it starts its threads."""
    with _lock:
        if "weasyprint" in sys.modules:
            return
        if not sys.platform.startswith("linux"):
            import weasyprint

            return
        search = ctypes.util.find_library
        ctypes.util.find_library = _not_searched
        try:
            # What WeasyPrint prints when it finds no library is said by the second try.
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
        except OSError:
            for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = search
        import weasyprint  # noqa: F401  # imported for its effect: loaded, or the error of loading it raised here

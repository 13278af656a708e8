"""How a legacy adapter says it is deprecated: a warning at the caller's line, once per line.

Each adapter is decorated with :pep:`702`'s ``@deprecated`` (from ``typing_extensions``)
and a literal message naming its replacement::

    @deprecated("BillService.getAllBills() is deprecated: use ... (see docs/migrating.md#...)",
                category=LegacyAPIWarning)

so every call emits a :class:`LegacyAPIWarning` (a ``DeprecationWarning``) attributed to
the line that called the adapter, and type checkers report calls of the camelCase names
statically too (mypy with ``--enable-error-code deprecated``, pyright's
``reportDeprecated``; they need the message to be a literal).

Python's ``default`` warning action shows a warning once per (message, category, module,
line): the message of each adapter is constant, so each call site is reported once
however often it runs. :func:`show_legacy_warnings` installs that action for
:class:`LegacyAPIWarning` (DeprecationWarnings are otherwise hidden outside ``__main__``)
unless the warning filters were set on the command line (``-W``) or in
``PYTHONWARNINGS``: then those decide, so ``python -W error::DeprecationWarning`` turns
every remaining legacy call into an exception.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["LegacyAPIWarning", "show_legacy_warnings"]


class LegacyAPIWarning(DeprecationWarning):
    """A call to an adapter of the old Chanuka services; the message names the replacement."""


def show_legacy_warnings() -> bool:
    """Show each legacy call site once, unless ``-W``/``PYTHONWARNINGS`` set the filters.

    Returns whether the filter was installed.
    """
    if sys.warnoptions:
        return False
    warnings.filterwarnings("default", category=LegacyAPIWarning)
    return True

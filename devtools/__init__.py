"""Tools for working on Clearday on this machine; not part of the installed product."""

"""wirewash cleaners: pure text functions, one stage a module.

Nothing in this package imports Prefect or touches files it is not handed;
the drivers in ``flows/`` compose these functions.
"""

from cleaners.document import Document

__all__ = ["Document"]

"""meclab: Multi-access Edge Computing on a laptop."""

__version__ = "0.1.0"

"""caselink: child protection casework across agencies and force boundaries."""

__version__ = "0.1.0"

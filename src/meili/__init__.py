"""Meili (美丽): a Beautiful China construction plan as a living monitoring and evaluation system."""

__version__ = "0.1.0"

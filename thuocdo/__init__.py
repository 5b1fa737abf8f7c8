"""Thước Đo — real-time evaluation of Vietnam's two-tier local government."""

__version__ = "0.1.0"

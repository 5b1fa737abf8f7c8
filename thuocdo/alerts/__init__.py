"""Alerts (cảnh báo): rules an administrator tunes, evaluated live against the metric store."""

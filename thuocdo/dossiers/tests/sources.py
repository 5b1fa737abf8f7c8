"""Row sources for feeder tests: module level and free of Django, so a spawned feeder can import them."""


def failing_source(good_rows):
    """Yield the rows, then fail as a broken disk would."""
    yield from good_rows
    raise OSError("ổ đĩa không đọc được")

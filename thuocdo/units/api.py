"""Units API: search, one unit, old-address conversion."""

from ninja import Router

router = Router(tags=["Đơn vị hành chính"])

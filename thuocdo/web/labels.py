"""Vietnamese names of the dossier metrics and outcomes, as the pages show them."""

from django.utils.translation import gettext_lazy as _

from thuocdo.dossiers.ontime import OUTCOME_LABELS as _OUTCOMES
from thuocdo.metrics import codes

METRIC_LABELS = {
    codes.RECEIVED: _("Hồ sơ tiếp nhận"),
    codes.RECEIVED_ONLINE: _("Tiếp nhận trực tuyến"),
    codes.RECEIVED_DIRECT: _("Tiếp nhận trực tiếp"),
    codes.RECEIVED_POSTAL: _("Tiếp nhận qua bưu chính"),
    codes.RESOLVED: _("Hồ sơ đã giải quyết"),
    codes.RESOLVED_EARLY: _("Giải quyết trước hạn"),
    codes.RESOLVED_ON_TIME: _("Giải quyết đúng hạn"),
    codes.RESOLVED_LATE: _("Giải quyết quá hạn"),
    codes.ENDED_WITHDRAWN: _("Công dân rút hồ sơ"),
    codes.ENDED_STOPPED: _("Dừng xử lý"),
    codes.ENDED_REFUSED: _("Từ chối sau tiếp nhận"),
    codes.PENDING: _("Đang giải quyết"),
    codes.PENDING_WITHIN: _("Đang giải quyết trong hạn"),
    codes.PENDING_OVERDUE: _("Đang giải quyết quá hạn"),
}
OUTCOME_LABELS = dict(_OUTCOMES)

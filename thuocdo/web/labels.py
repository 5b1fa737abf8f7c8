"""Vietnamese names of the dossier metrics and outcomes, as the pages show them."""

from django.utils.translation import gettext_lazy as _

from thuocdo.dossiers.ontime import OUTCOME_LABELS as _OUTCOMES
from thuocdo.metrics import codes
from thuocdo.procedures import metrics as catalogue

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
    # The national sync fields (issue 11 §2), each counted among the dossiers where it is known.
    codes.SYNC_KNOWN: _("Hồ sơ biết thời điểm đồng bộ"),
    codes.SYNC_ON_TIME: _("Hồ sơ đồng bộ đúng hạn (trong 24 giờ)"),
    codes.FEE_KNOWN: _("Hồ sơ có thông tin phí, lệ phí"),
    codes.FEE_BEARING: _("Hồ sơ có nghĩa vụ tài chính"),
    codes.PAYMENT_KNOWN: _("Hồ sơ có nghĩa vụ tài chính, biết cách thanh toán"),
    codes.PAYMENT_ONLINE: _("Hồ sơ thanh toán trực tuyến"),
    codes.INPUTS_DIGITISED_KNOWN: _("Hồ sơ có thông tin số hóa thành phần"),
    codes.INPUTS_DIGITISED: _("Hồ sơ số hóa thành phần hồ sơ"),
    codes.DATA_REUSED_KNOWN: _("Hồ sơ có thông tin tái sử dụng dữ liệu"),
    codes.DATA_REUSED: _("Hồ sơ tái sử dụng dữ liệu số hóa"),
    codes.DATA_REPLACED_KNOWN: _("Hồ sơ có thông tin thay thế bằng dữ liệu"),
    codes.DATA_REPLACED: _("Hồ sơ thay thế hoàn toàn bằng dữ liệu"),
    codes.VNEID_KNOWN: _("Hồ sơ có thông tin xác thực VNeID"),
    codes.VNEID: _("Hồ sơ xác thực VNeID"),
    codes.RESULT_KNOWN: _("Hồ sơ hoàn thành có thông tin kết quả"),
    codes.RESULT_ELECTRONIC: _("Hồ sơ có kết quả điện tử"),
    codes.RATED: _("Lượt đánh giá của người nộp"),
    codes.RATED_SATISFIED: _("Đánh giá hài lòng, rất hài lòng"),
    # The procedure catalogue's read-time figures (thuocdo/procedures/metrics.py, ADR 0011).
    catalogue.PUBLISH_DUE: _("TTHC phải công bố trong kỳ"),
    catalogue.PUBLISH_ON_TIME: _("TTHC công bố đúng hạn"),
    catalogue.UPDATE_DUE: _("TTHC phải cập nhật, công khai trong kỳ"),
    catalogue.UPDATE_ON_TIME: _("TTHC cập nhật, công khai đúng hạn"),
    catalogue.PUBLISHED: _("TTHC công bố, công khai trong kỳ"),
    catalogue.PUBLISHED_CONTENT_FULL: _("TTHC công khai đầy đủ nội dung"),
    catalogue.AUTHORITY: _("TTHC thuộc thẩm quyền (đã công bố)"),
    catalogue.ONLINE: _("TTHC cung cấp trực tuyến (một phần, toàn trình)"),
    catalogue.ONLINE_FULL: _("TTHC trực tuyến toàn trình"),
    catalogue.FEE_PROCEDURES: _("TTHC có phí, lệ phí"),
    catalogue.FEE_WITH_DOSSIERS: _("TTHC có phí có phát sinh hồ sơ"),
    catalogue.FEE_PAID_ONLINE: _("TTHC có phí có hồ sơ thanh toán trực tuyến"),
    catalogue.SERVICE_RECEIVED: _("Hồ sơ của TTHC trực tuyến"),
    catalogue.SERVICE_RECEIVED_ONLINE: _("Hồ sơ của TTHC trực tuyến nộp trực tuyến"),
    catalogue.CERTIFIED_COMMUNES: _("Xã trong phạm vi (chứng thực điện tử)"),
    catalogue.CERTIFIED_OFFERING: _("Xã cung cấp chứng thực bản sao điện tử"),
    catalogue.DATA_CONNECTED: _("TTHC kết nối, chia sẻ dữ liệu dân cư"),
}
OUTCOME_LABELS = dict(_OUTCOMES)

"""Reference data for the simulator: procedure catalogue, province profiles, calendar factors.

Dữ liệu mô phỏng. Procedure codes are made up in the national catalogue's style
("1.00xxxx", "2.00xxxx"); 2.000815 (chứng thực bản sao) is the real code the QĐ 766 portal
capture uses. Volumes are calibrated to public figures (domain.md §6 and the Phú Thọ
portal capture in ../shared/reference/qd766-portal/):

- nation: about 180,000 dossiers on a working day at scale 1;
- Phú Thọ (25): 184,513 dossiers in August, 19.5 % of them handled by its departments,
  24 % of them chứng thực bản sao (2.000815, 44,583 dossiers), communes on time 84 %;
- Phường Phú Mỹ, Hồ Chí Minh (26704): more than 1,200 dossiers a day;
- Huế (46): 882 → 3,736 online dossiers a day from 7 to 14 July 2025; Hưng Yên (33):
  1,841 → 3,877.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Field:
    """Lĩnh vực thủ tục: how dossiers of this field behave."""

    name: str
    on_time_delta: float  # added to the unit's on-time probability
    supplement_rate: float  # share of accepted dossiers asked for more documents (status 5)
    payment_rate: float  # share asked to pay taxes or fees first (status 6)


@dataclass(frozen=True, slots=True)
class Procedure:
    """Thủ tục hành chính: code, Vietnamese name, field, handling level, legal time, share of volume."""

    code: str
    name: str
    field: str
    level: str  # "commune" (UBND xã) or "province" (sở, ngành)
    legal_days: int  # working days; 0 = within the day
    weight: float  # relative volume within its level


@dataclass(frozen=True, slots=True)
class ProvinceProfile:
    """One province's volumes and habits; online shares are 1 July 2025 → late July 2025."""

    weekday_volume: int  # dossiers on an average working day at scale 1, communes + departments
    communes: int  # communes in the registry (so that a subset of them gets its share only)
    department_share: float  # share handled at province level by departments (unit = province code)
    online_from: float
    online_to: float
    commune_on_time: float  # mean on-time probability of its communes
    department_on_time: float


FIELDS: dict[str, Field] = {
    "chung_thuc": Field("Chứng thực", 0.09, 0.00, 0.00),
    "ho_tich": Field("Hộ tịch", 0.06, 0.03, 0.00),
    "dat_dai": Field("Đất đai", -0.15, 0.18, 0.45),
    "xay_dung": Field("Xây dựng", -0.06, 0.15, 0.05),
    "kinh_doanh": Field("Thành lập và hoạt động doanh nghiệp, hộ kinh doanh", 0.03, 0.08, 0.05),
    "bao_tro_xa_hoi": Field("Bảo trợ xã hội", -0.04, 0.06, 0.00),
    "nguoi_co_cong": Field("Người có công", -0.05, 0.06, 0.00),
    "y_te": Field("Y tế", -0.06, 0.12, 0.10),
    "giao_duc": Field("Giáo dục và Đào tạo", -0.08, 0.05, 0.00),
    "cong_thuong": Field("Công thương", -0.10, 0.10, 0.05),
    "noi_vu": Field("Nội vụ, lao động", -0.12, 0.06, 0.00),
    "moi_truong": Field("Môi trường", -0.08, 0.15, 0.10),
    "giao_thong": Field("Đường bộ", 0.04, 0.03, 0.00),
    "van_hoa": Field("Văn hóa, thể thao và du lịch", 0.02, 0.05, 0.00),
}

PROCEDURES: tuple[Procedure, ...] = (
    # Commune level (UBND xã, phường, đặc khu); weights are % of a commune's dossiers.
    Procedure("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "chung_thuc", "commune", 0, 24),
    Procedure("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "chung_thuc", "commune", 0, 5),
    Procedure("2.000913", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "chung_thuc",
              "commune", 2, 2),
    Procedure("1.001193", "Đăng ký khai sinh", "ho_tich", "commune", 0, 8),
    Procedure("1.000894", "Đăng ký kết hôn", "ho_tich", "commune", 0, 2.5),
    Procedure("1.000656", "Đăng ký khai tử", "ho_tich", "commune", 0, 2),
    Procedure("1.004873", "Cấp bản sao trích lục hộ tịch", "ho_tich", "commune", 0, 6),
    Procedure("1.004859", "Cấp Giấy xác nhận tình trạng hôn nhân", "ho_tich", "commune", 3, 5),
    Procedure("1.000689", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "ho_tich", "commune", 3, 1.5),
    Procedure("1.001612", "Đăng ký thành lập hộ kinh doanh", "kinh_doanh", "commune", 3, 3),
    Procedure("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "kinh_doanh", "commune", 3, 1.5),
    Procedure("1.004227", "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất", "dat_dai",
              "commune", 10, 8),
    Procedure("1.004238", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân", "dat_dai",
              "commune", 20, 3),
    Procedure("1.004203", "Tách thửa hoặc hợp thửa đất", "dat_dai", "commune", 15, 2),
    Procedure("1.003554", "Chuyển mục đích sử dụng đất phải được phép", "dat_dai", "commune", 15, 1.5),
    Procedure("1.009974", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "xay_dung", "commune", 15, 3),
    Procedure("1.001776", "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội", "bao_tro_xa_hoi",
              "commune", 10, 3),
    Procedure("1.001758", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "bao_tro_xa_hoi", "commune", 3, 1),
    Procedure("2.001157", "Xác nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "bao_tro_xa_hoi", "commune", 10,
              1.5),
    Procedure("1.010801", "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ", "nguoi_co_cong", "commune", 12, 1),
    Procedure("2.000286", "Cấp Giấy phép bán lẻ sản phẩm rượu", "cong_thuong", "commune", 10, 0.8),
    Procedure("1.003620", "Công nhận danh hiệu tổ dân phố, thôn văn hóa", "van_hoa", "commune", 5, 0.4),
    # Province level (sở, ngành); Phú Thọ's Sở Nông nghiệp và Môi trường handles 78 % of them.
    Procedure("1.004266", "Đăng ký biến động đất đai của tổ chức, cá nhân do Văn phòng đăng ký đất đai thực hiện",
              "dat_dai", "province", 10, 40),
    Procedure("1.004269", "Cấp Giấy chứng nhận quyền sử dụng đất cho tổ chức", "dat_dai", "province", 20, 10),
    Procedure("1.012001", "Cung cấp thông tin, dữ liệu đất đai", "dat_dai", "province", 3, 20),
    Procedure("1.000187", "Cấp giấy phép môi trường", "moi_truong", "province", 20, 1),
    Procedure("1.001822", "Đăng ký thành lập doanh nghiệp", "kinh_doanh", "province", 3, 3),
    Procedure("1.000426", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "kinh_doanh", "province", 3, 3),
    Procedure("1.002804", "Cấp đổi giấy phép lái xe", "giao_thong", "province", 5, 8),
    Procedure("1.009823", "Cấp giấy phép xây dựng công trình", "xay_dung", "province", 20, 1),
    Procedure("1.003006", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "y_te", "province", 20, 2),
    Procedure("1.001045", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "y_te", "province", 20, 2),
    Procedure("1.000459", "Cấp giấy phép lao động cho người lao động nước ngoài", "noi_vu", "province", 5, 2),
    Procedure("1.002180", "Xét tặng danh hiệu thi đua, hình thức khen thưởng cấp tỉnh", "noi_vu", "province",
              20, 3),
    Procedure("1.005092", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "giao_duc", "province", 1, 1.5),
    Procedure("1.001270", "Cấp Giấy phép bán buôn sản phẩm rượu", "cong_thuong", "province", 15, 1),
    Procedure("1.003420", "Cấp giấy phép tổ chức lễ hội, biểu diễn nghệ thuật", "van_hoa", "province", 5, 0.5),
)

_PROVINCE_ROWS = {
    # code: weekday volume (population × activity, normalised to 180,000 with
    #       Phú Thọ and Huế pinned to their figures),
    #       communes, department share, online 1/7 → late July, commune / department on time
    "01": (14840, 126, 0.20, 0.30, 0.80, 0.86, 0.81),  # Hà Nội
    "04": (750, 56, 0.15, 0.15, 0.50, 0.84, 0.79),  # Cao Bằng
    "08": (2460, 124, 0.15, 0.18, 0.55, 0.85, 0.79),  # Tuyên Quang
    "11": (840, 45, 0.15, 0.15, 0.50, 0.83, 0.77),  # Điện Biên
    "12": (640, 38, 0.15, 0.15, 0.50, 0.84, 0.78),  # Lai Châu
    "14": (1710, 75, 0.15, 0.18, 0.55, 0.84, 0.79),  # Sơn La
    "15": (2340, 99, 0.16, 0.22, 0.62, 0.86, 0.80),  # Lào Cai
    "19": (2610, 92, 0.17, 0.25, 0.70, 0.87, 0.81),  # Thái Nguyên
    "20": (1070, 65, 0.15, 0.20, 0.58, 0.85, 0.79),  # Lạng Sơn
    "22": (2140, 54, 0.18, 0.35, 0.85, 0.90, 0.87),  # Quảng Ninh
    "24": (5600, 99, 0.19, 0.28, 0.75, 0.87, 0.81),  # Bắc Ninh
    # Phú Thọ: 184,513 accepted in August = 22.74 working-day equivalents × 8,650 registered × 93.8 %
    # (the rest: refusals, and online dossiers of the last weekend accepted in September).
    "25": (8650, 148, 0.195, 0.30, 0.85, 0.86, 0.66),
    "31": (7930, 114, 0.19, 0.28, 0.75, 0.86, 0.80),  # Hải Phòng
    "33": (5520, 104, 0.18, 0.32, 0.70, 0.86, 0.79),  # Hưng Yên (July knots below)
    "37": (6820, 129, 0.17, 0.25, 0.70, 0.86, 0.80),  # Ninh Bình
    "38": (5820, 166, 0.17, 0.22, 0.65, 0.85, 0.79),  # Thanh Hóa
    "40": (5370, 130, 0.17, 0.22, 0.65, 0.85, 0.79),  # Nghệ An
    "42": (2040, 69, 0.16, 0.25, 0.70, 0.88, 0.83),  # Hà Tĩnh
    "44": (2890, 78, 0.16, 0.22, 0.65, 0.86, 0.80),  # Quảng Trị
    "46": (4400, 40, 0.18, 0.15, 0.86, 0.89, 0.85),  # Huế (July knots below)
    "48": (5220, 94, 0.19, 0.35, 0.85, 0.90, 0.85),  # Đà Nẵng
    "51": (3340, 96, 0.16, 0.22, 0.62, 0.85, 0.79),  # Quảng Ngãi
    "52": (5540, 135, 0.16, 0.20, 0.60, 0.84, 0.78),  # Gia Lai
    "56": (3470, 65, 0.17, 0.25, 0.68, 0.86, 0.80),  # Khánh Hòa
    "66": (5180, 102, 0.16, 0.20, 0.60, 0.84, 0.78),  # Đắk Lắk
    "68": (5990, 124, 0.16, 0.22, 0.62, 0.85, 0.79),  # Lâm Đồng
    "75": (6950, 95, 0.18, 0.25, 0.70, 0.85, 0.79),  # Đồng Nai
    "79": (23830, 168, 0.20, 0.32, 0.80, 0.86, 0.81),  # Hồ Chí Minh
    "80": (5030, 96, 0.17, 0.25, 0.68, 0.86, 0.80),  # Tây Ninh
    "82": (6760, 102, 0.16, 0.22, 0.65, 0.86, 0.80),  # Đồng Tháp
    "86": (6590, 124, 0.16, 0.22, 0.65, 0.86, 0.80),  # Vĩnh Long
    "91": (7660, 102, 0.16, 0.22, 0.65, 0.85, 0.79),  # An Giang
    "92": (6500, 103, 0.17, 0.25, 0.70, 0.86, 0.80),  # Cần Thơ
    "96": (4040, 64, 0.16, 0.20, 0.62, 0.85, 0.79),  # Cà Mau
}
PROVINCES: dict[str, ProvinceProfile] = {code: ProvinceProfile(*row) for code, row in _PROVINCE_ROWS.items()}

# A province not in the table (a test's made-up unit list): 60 dossiers per commune per working day.
DEFAULT_PROVINCE = ProvinceProfile(0, 0, 0.18, 0.25, 0.70, 0.86, 0.79)
DEFAULT_COMMUNE_VOLUME = 60

# Online share knots (date, share); between knots the share moves linearly, after the last it stays.
# Huế: 4,400 × 1.06 (Monday) = 4,664 dossiers; 882 / 4,664 = 0.19 on 7/7, 3,736 / 4,664 = 0.80 on 14/7,
# less the communes' own offsets (+0.013 on average in Huế).
# Hưng Yên: 5,520 × 1.06 = 5,851; 1,841 / 5,851 = 0.315 and 3,877 / 5,851 = 0.663.
ONLINE_KNOTS: dict[str, tuple[tuple[date, float], ...]] = {
    "46": ((date(2025, 7, 1), 0.15), (date(2025, 7, 7), 0.177), (date(2025, 7, 14), 0.792),
           (date(2025, 8, 1), 0.86)),
    "33": ((date(2025, 7, 1), 0.30), (date(2025, 7, 7), 0.315), (date(2025, 7, 14), 0.663),
           (date(2025, 8, 1), 0.70)),
}
ONLINE_RAMP = (date(2025, 7, 1), date(2025, 7, 21))  # the default ramp from online_from to online_to

# Busy units with a known volume: code → (province, weekday dossiers at scale 1), outside the split.
UNIT_VOLUME_OVERRIDES: dict[str, tuple[str, int]] = {
    "26704": ("79", 1320),  # Phường Phú Mỹ, Hồ Chí Minh: "hơn 1.200 hồ sơ mỗi ngày"
}

# Communes: log-normal spread of volume (Phú Thọ's 148 communes: σ of log volume 0.60 incl. wards),
# wards 1.76 × the volume of a xã (Phú Thọ: 1,708 vs 968 a month), special zones small.
COMMUNE_VOLUME_SIGMA = 0.5
TYPE_VOLUME = {"phuong": 1.76, "xa": 1.0, "dac_khu": 0.6}
COMMUNE_ON_TIME_SIGMA = 0.06  # Phú Thọ communes: σ 6.9 points around 85.9 %
COMMUNE_ON_TIME_RANGE = (0.68, 0.97)
ONLINE_OFFSET_SIGMA = 0.05
DAILY_NOISE_SIGMA = 0.08

# Volume by day of week (Monday first, mean of working days 1.0); public holidays are off.
WEEKDAY_FACTORS = (1.06, 1.02, 1.00, 0.98, 0.94, 0.30, 0.06)
HOLIDAY_FACTOR = 0.0
POSTAL_SHARE = 0.015  # of dossiers not filed online

"""API schemas for the unit registry (names and codes are public reference data)."""

from ninja import Field, Schema

from thuocdo.units.choices import Level


class UnitOut(Schema):
    """One administrative unit, as the CLI's `--json` prints it."""

    code: str = Field(description="Mã thống kê: VN, 2 chữ số (tỉnh) hoặc 5 chữ số (xã).")
    name: str = Field(description="Tên đầy đủ, ví dụ “Xã Bờ Ngoong”.")
    type: str = Field(description="Loại: quoc_gia, tinh, thanh_pho_trung_uong, xa, phuong, dac_khu.")
    level: str = Field(description="Cấp: national, province, commune.")
    province_code: str = Field(description="Mã tỉnh chứa đơn vị (chính nó nếu là tỉnh; rỗng với cả nước).")
    lat: float | None = Field(description="Vĩ độ.")
    lon: float | None = Field(description="Kinh độ.")
    area_km2: float | None = Field(description="Diện tích (km²).")


class UnitFilters(Schema):
    """Query parameters of the unit list."""

    q: str | None = Field(None, description="Tên cần tìm; không phân biệt dấu, hoa thường, chữ “xã/phường”.")
    province: str | None = Field(None, pattern=r"^\d{2}$", description="Chỉ đơn vị trong tỉnh có mã này.")
    level: Level | None = Field(None, description="Chỉ đơn vị ở cấp này.")
    limit: int = Field(50, ge=1, le=500, description="Số kết quả tối đa.")
    offset: int = Field(0, ge=0, le=5000, description="Bỏ qua bấy nhiêu kết quả đầu (phân trang).")

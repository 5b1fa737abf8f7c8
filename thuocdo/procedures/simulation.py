"""A simulated procedure catalogue per province, deterministic for a seed (`thuocdo procedures simulate`).

Danh mục TTHC mô phỏng. A national pool of about 2,100 province-level and 480 commune-level
procedures; each province publishes a subset: Phú Thọ (25) 1,914 province-level and 439
commune-level (issue 11: "about 2,227 … ~1,914 province-level, ~439 commune-level"), the others
90–106 % of that. Every code the dossier simulator uses (`dossiers.simulation_data.PROCEDURES`) is in
the pool and published by every province, so a simulated dossier's procedure is always in its
province's catalogue. Dates run from 1 July 2025 (the two-tier reform) to `today`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from thuocdo.dossiers.simulation_data import FIELDS, PROCEDURES
from thuocdo.procedures.choices import OnlineLevel, ProcedureLevel
from thuocdo.procedures.models import Procedure
from thuocdo.units.choices import Level

START = date(2025, 7, 1)
POOL = {ProcedureLevel.PROVINCE: 2100, ProcedureLevel.COMMUNE: 480}
PHU_THO = "25"
PHU_THO_SIZE = {ProcedureLevel.PROVINCE: 1914, ProcedureLevel.COMMUNE: 439}
SIZE_FACTOR = (0.90, 1.06)
ONLINE_MIX = ((OnlineLevel.FULL, 0.45), (OnlineLevel.PARTIAL, 0.42), (OnlineLevel.NONE, 0.13))
FEE_SHARE = 0.25
DATA_REPLACEABLE_SHARE = 0.10  # the portal: 9.2 % of Phú Thọ procedures connect population data (σ 5 %)
ON_TIME_RANGE = (0.78, 0.98)  # share of a province's publications made by their due date
CONTENT_FULL_RANGE = (0.90, 0.99)
UPDATE_SHARE = 0.35  # publications that later owe an update (a changed legal basis)
OFFERING_RANGE = (0.60, 0.90)  # share of a province's communes offering electronic certified copies
DAYS = (0, 1, 3, 5, 7, 10, 15, 20, 30)
# Dossier-simulator procedures that carry a fee or charge (phí, lệ phí) in the real catalogue.
FEE_CODES = frozenset({
    "2.000815", "2.000884", "2.000913", "1.004873", "1.001612", "2.000720", "1.004227", "1.004238", "1.004203",
    "1.003554", "1.009974", "2.000286", "1.004266", "1.004269", "1.012001", "1.000187", "1.001822", "1.000426",
    "1.002804", "1.009823", "1.003006", "1.001045", "1.000459", "1.005092", "1.001270", "1.003420",
})
CERTIFIED_COPY_NAMES = (
    "Chứng thực bản sao điện tử từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
    "Chứng thực bản sao điện tử từ bản chính giấy tờ, văn bản do cơ quan nước ngoài cấp",
)
VERBS = ("Cấp", "Cấp lại", "Cấp đổi", "Gia hạn", "Điều chỉnh", "Thu hồi", "Xác nhận", "Đăng ký", "Thẩm định",
         "Phê duyệt", "Công nhận", "Đính chính")
OBJECTS = {
    "Chứng thực": ("chứng thực chữ ký người dịch", "chứng thực hợp đồng, giao dịch", "chứng thực di chúc"),
    "Hộ tịch": ("trích lục hộ tịch", "giấy xác nhận tình trạng hôn nhân", "việc nhận cha, mẹ, con",
                "việc giám hộ", "việc nuôi con nuôi"),
    "Đất đai": ("giấy chứng nhận quyền sử dụng đất", "hồ sơ địa chính", "quyết định giao đất, cho thuê đất",
                "thông tin đất đai", "phương án sử dụng đất"),
    "Xây dựng": ("giấy phép xây dựng", "chứng chỉ hành nghề hoạt động xây dựng", "báo cáo nghiên cứu khả thi",
                 "quy hoạch chi tiết xây dựng"),
    "Thành lập và hoạt động doanh nghiệp, hộ kinh doanh": ("giấy chứng nhận đăng ký doanh nghiệp",
                                                           "giấy chứng nhận đăng ký hộ kinh doanh",
                                                           "chi nhánh, văn phòng đại diện"),
    "Bảo trợ xã hội": ("trợ cấp xã hội hằng tháng", "cơ sở trợ giúp xã hội", "hỗ trợ khẩn cấp"),
    "Người có công": ("chế độ ưu đãi người có công", "trợ cấp thờ cúng liệt sĩ", "giấy chứng nhận thương binh"),
    "Y tế": ("chứng chỉ hành nghề dược", "giấy phép hoạt động khám bệnh, chữa bệnh",
             "giấy chứng nhận đủ điều kiện an toàn thực phẩm"),
    "Giáo dục và Đào tạo": ("giấy phép hoạt động giáo dục", "bản sao văn bằng, chứng chỉ", "chuyển trường"),
    "Công thương": ("giấy phép bán lẻ rượu", "giấy chứng nhận đủ điều kiện kinh doanh xăng dầu",
                    "giấy phép sử dụng vật liệu nổ công nghiệp"),
    "Nội vụ, lao động": ("giấy phép lao động", "danh hiệu thi đua", "hội, quỹ xã hội", "tổ chức tôn giáo"),
    "Môi trường": ("giấy phép môi trường", "giấy phép khai thác nước", "báo cáo đánh giá tác động môi trường"),
    "Đường bộ": ("giấy phép lái xe", "giấy phép kinh doanh vận tải", "đăng ký phương tiện"),
    "Văn hóa, thể thao và du lịch": ("giấy phép tổ chức lễ hội", "giấy phép kinh doanh lữ hành",
                                     "danh hiệu gia đình văn hóa"),
}
QUALIFIERS = ("", " đối với tổ chức", " đối với cá nhân", " cho tổ chức có vốn đầu tư nước ngoài",
              " trong trường hợp bị mất, hỏng")


# 80,000 publications: plain tuples, inserted in one executemany (model instances cost ~8 s more).
PublicationRow = tuple[str, str, date, date | None, date | None, date | None, bool]
OfferingRow = tuple[str, str, date]  # commune code, province code, since


@dataclass
class Catalogue:
    """A whole catalogue, unsaved: procedures, publications and communes offering certified copies.

    A publication is (province, procedure code, publish_due, published_on, update_due, updated_on,
    content_full); an offering is (commune code, province code, since).
    """

    seed: int
    procedures: list[Procedure]
    publications: list[PublicationRow]
    offerings: list[OfferingRow]


def _pick(rng: random.Random, mix) -> str:
    roll, total = rng.random(), 0.0
    for value, share in mix:
        total += share
        if roll < total:
            return value
    return mix[-1][0]


def _pool(seed: int) -> dict[str, list[Procedure]]:
    """The national pool of procedures per level: the dossier simulator's first, then generated ones."""
    rng = random.Random(f"danh-muc/{seed}")
    pool: dict[str, list[Procedure]] = {ProcedureLevel.PROVINCE: [], ProcedureLevel.COMMUNE: []}
    for spec in PROCEDURES:
        pool[spec.level].append(Procedure(
            code=spec.code, name=spec.name, field=FIELDS[spec.field].name, level=spec.level,
            processing_days=spec.legal_days, online_level=_pick(rng, ((OnlineLevel.FULL, 0.5),
                                                                     (OnlineLevel.PARTIAL, 0.45),
                                                                     (OnlineLevel.NONE, 0.05))),
            has_fee=spec.code in FEE_CODES, data_replaceable=rng.random() < 0.5,
            certified_copy=spec.code == "2.000815",
        ))
    used_codes = {p.code for p in pool[ProcedureLevel.PROVINCE] + pool[ProcedureLevel.COMMUNE]}
    used_names = {p.name for p in pool[ProcedureLevel.PROVINCE] + pool[ProcedureLevel.COMMUNE]}
    for number, name in enumerate(CERTIFIED_COPY_NAMES):
        code = f"2.{2001 + number:06d}"
        pool[ProcedureLevel.COMMUNE].append(Procedure(
            code=code, name=name, field="Chứng thực", level=ProcedureLevel.COMMUNE, processing_days=0,
            online_level=OnlineLevel.FULL, has_fee=True, data_replaceable=False, certified_copy=True,
        ))
        used_codes.add(code)
    names = [f"{verb} {obj}{qualifier}" for field_name, objects in OBJECTS.items() for obj in objects
             for verb in VERBS for qualifier in QUALIFIERS]
    fields = [field_name for field_name, objects in OBJECTS.items() for _obj in objects for _v in VERBS
              for _q in QUALIFIERS]
    order = list(range(len(names)))
    rng.shuffle(order)
    for level, size in POOL.items():
        prefix = "1" if level == ProcedureLevel.PROVINCE else "2"
        while len(pool[level]) < size:
            index = order.pop()
            if names[index] in used_names:
                continue
            code = f"{prefix}.{rng.randrange(3000, 14000):06d}"
            if code in used_codes:
                order.append(index)
                continue
            used_codes.add(code)
            used_names.add(names[index])
            pool[level].append(Procedure(
                code=code, name=names[index], field=fields[index], level=level,
                processing_days=rng.choice(DAYS), online_level=_pick(rng, ONLINE_MIX),
                has_fee=rng.random() < FEE_SHARE, data_replaceable=rng.random() < DATA_REPLACEABLE_SHARE,
                certified_copy=False,
            ))
    return pool


def _publications(rng: random.Random, province: str, chosen: list[Procedure], today: date) -> list[PublicationRow]:
    on_time_share = rng.uniform(*ON_TIME_RANGE)
    content_share = rng.uniform(*CONTENT_FULL_RANGE)
    span = max((today - START).days, 0)
    rows = []
    for procedure in chosen:
        due = START + timedelta(days=rng.randint(0, span))
        if rng.random() < on_time_share:
            done = due - timedelta(days=rng.randint(0, 10))
        else:
            done = due + timedelta(days=rng.randint(1, 30))
        published_on = done if done <= today else None
        update_due = updated_on = None
        if published_on is not None and rng.random() < UPDATE_SHARE:
            update_due = published_on + timedelta(days=rng.randint(20, 150))
            late = rng.random() >= on_time_share
            updated = update_due + timedelta(days=rng.randint(1, 20) if late else -rng.randint(0, 10))
            updated_on = updated if updated <= today else None
            if update_due > today + timedelta(days=60):
                update_due = updated_on = None
        rows.append((province, procedure.code, due, published_on, update_due, updated_on,
                     rng.random() < content_share))
    return rows


def simulate_catalogue(units: list, today: date, seed: int = 1) -> Catalogue:
    """The catalogue of every province among `units` (registry rows), the same for the same seed and day."""
    pool = _pool(seed)
    fixed = {spec.code for spec in PROCEDURES}
    provinces = sorted(u.code for u in units if u.level == Level.PROVINCE)
    communes: dict[str, list] = {}
    for unit in sorted(units, key=lambda u: u.code):
        if unit.level == Level.COMMUNE:
            communes.setdefault(unit.province_code, []).append(unit)
    publications: list[PublicationRow] = []
    offerings: list[OfferingRow] = []
    for province in provinces:
        rng = random.Random(f"danh-muc/{seed}/{province}")
        factor = 1.0 if province == PHU_THO else rng.uniform(*SIZE_FACTOR)
        chosen: list[Procedure] = []
        for level, procedures in pool.items():
            size = min(len(procedures), round(PHU_THO_SIZE[level] * factor))
            must = [p for p in procedures if p.code in fixed or p.certified_copy]
            rest = [p for p in procedures if p.code not in fixed and not p.certified_copy]
            chosen += must + rng.sample(rest, max(size - len(must), 0))
        publications += _publications(rng, province, chosen, today)
        share = rng.uniform(*OFFERING_RANGE)
        span = max((today - START).days, 0)
        for commune in communes.get(province, []):
            if rng.random() < share:
                since = START + timedelta(days=rng.randint(0, span))
                offerings.append((commune.code, province, since))
    procedures = pool[ProcedureLevel.PROVINCE] + pool[ProcedureLevel.COMMUNE]
    return Catalogue(seed, procedures, publications, offerings)

"""The national sync fields of simulated dossiers (issue 11 §2): fees, payment, digitisation, ratings.

Trường đồng bộ. Rates are calibrated to the portal's answers for Phú Thọ in
`reference/qd766-portal/` (quarter, all procedures; mean and spread over its 163 units):
electronic results 76 % (σ 16 %), digitised inputs 20 % (σ 10 %), reused data 18 % (σ 12 %),
components fully replaced by data ~0 %, citizen data (VNeID) 32 % (σ 24 %), satisfied ratings
91 % (σ 7.6 %), fee-bearing dossiers paid online 87 % (233,203 of 268,066). Each unit draws its
own rates once (so units spread like the real ones); each dossier draws from its unit's rates.

Deterministic: a unit's rates depend on the seed and its code, a dossier's facts on the seed and
its code — never on the order events are played, so the engine's "latest event carrying a
field sets it" rule sees the same facts however delivery reorders them.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

# Fee or charge per field, VND (0: no fee). Chứng thực and hộ tịch extracts cost a few thousand;
# land and construction carry registration fees; social support is free.
FIELD_FEES = {
    "chung_thuc": 10_000, "ho_tich": 8_000, "dat_dai": 500_000, "xay_dung": 150_000, "kinh_doanh": 100_000,
    "bao_tro_xa_hoi": 0, "nguoi_co_cong": 0, "y_te": 1_500_000, "giao_duc": 20_000, "cong_thuong": 1_200_000,
    "noi_vu": 400_000, "moi_truong": 2_000_000, "giao_thong": 135_000, "van_hoa": 0,
}
# Share of a fee-bearing field's dossiers that owe the fee (birth and death registration are free).
FEE_SHARE = {"ho_tich": 0.35, "chung_thuc": 0.95}

# (mean, spread) of each unit's rate
PAID_ONLINE = (0.87, 0.08)
RESULT_ELECTRONIC = (0.76, 0.16)
INPUTS_DIGITISED = (0.20, 0.10)
DATA_REUSED = (0.18, 0.12)
DATA_REPLACED = (0.01, 0.01)
VNEID = (0.32, 0.24)
SATISFIED = (0.91, 0.076)
RATED_SHARE = 0.55  # of returned dossiers, the applicant rated the service
VERY_SATISFIED_SHARE = 0.6  # of satisfied ratings, "rất hài lòng" (3)


@dataclass(frozen=True, slots=True)
class UnitRates:
    paid_online: float
    result_electronic: float
    inputs_digitised: float
    data_reused: float
    data_replaced: float
    vneid: float
    satisfied: float


def _draw(rng: random.Random, mean_spread: tuple[float, float]) -> float:
    mean, spread = mean_spread
    return min(1.0, max(0.0, rng.gauss(mean, spread)))


def unit_rates(seed: int, unit_code: str) -> UnitRates:
    """One unit's rates, drawn once from the calibrated spreads."""
    rng = random.Random(f"{seed}/facts/{unit_code}")
    return UnitRates(
        paid_online=_draw(rng, PAID_ONLINE), result_electronic=_draw(rng, RESULT_ELECTRONIC),
        inputs_digitised=_draw(rng, INPUTS_DIGITISED), data_reused=_draw(rng, DATA_REUSED),
        data_replaced=_draw(rng, DATA_REPLACED), vneid=_draw(rng, VNEID),
        satisfied=max(0.3, _draw(rng, SATISFIED)),
    )


def _dossier_rng(seed: int, dossier_code: str) -> random.Random:
    return random.Random(zlib.crc32(dossier_code.encode()) ^ (seed * 0x9E3779B1))


def acceptance_facts(seed: int, dossier_code: str, field: str, rates: UnitRates) -> dict:
    """What the acceptance event (status 2) of a dossier carries: fee, payment, digitisation, VNeID."""
    rng = _dossier_rng(seed, dossier_code)
    fee = FIELD_FEES.get(field, 0)
    if fee and rng.random() >= FEE_SHARE.get(field, 1.0):
        fee = 0
    facts = {"fee_amount": fee}
    if fee:
        facts["paid_online"] = rng.random() < rates.paid_online
    facts["inputs_digitised"] = rng.random() < rates.inputs_digitised
    facts["data_reused"] = rng.random() < rates.data_reused
    facts["data_replaced_fully"] = rng.random() < rates.data_replaced
    facts["vneid_verified"] = rng.random() < rates.vneid
    return facts


def result_facts(seed: int, dossier_code: str, rates: UnitRates) -> dict:
    """What the event that ends processing with a result (status 9) carries."""
    rng = _dossier_rng(seed + 1, dossier_code)
    return {"result_electronic": rng.random() < rates.result_electronic}


def return_facts(seed: int, dossier_code: str, rates: UnitRates) -> dict:
    """What the result-returned event (status 10) carries: the applicant's rating, if any."""
    rng = _dossier_rng(seed + 2, dossier_code)
    if rng.random() >= RATED_SHARE:
        return {}
    if rng.random() < rates.satisfied:
        return {"satisfaction": 3 if rng.random() < VERY_SATISFIED_SHARE else 2}
    return {"satisfaction": 1}

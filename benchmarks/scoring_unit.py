"""Per-unit scoring benchmark: `score_unit` over 3,321 synthetic communes with the QĐ 766 preset.

    .venv/bin/python benchmarks/scoring_unit.py                 # this working tree against the version before
    .venv/bin/python benchmarks/scoring_unit.py --against REV   # against scoring.py at a git revision
    .venv/bin/python benchmarks/scoring_unit.py --against none  # this working tree only

No database: one value dict per commune (floats, as the metric store returns them) is made up the
way `benchmarks/scoring.py` fills the store (portal figures for the quarter, three months of
dossier-stream counts), with a few zero denominators, missing metrics and units left to the
dossier-stream fallback so that every path is taken. Each implementation scores all 3,321 units
five times; the best run is reported in µs per unit. The baseline is by default scoring.py at HEAD when the
working tree has changed it, else as it was before the last commit that changed it. Both must give
the same scores (compared by repr, so 2.0 and 2.00 differ) or the benchmark stops. Not a test.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UNITS = 3321
SCORING = "thuocdo/evaluation/scoring.py"


def synthetic_values(framework, count: int = UNITS, seed: int = 1) -> list[dict[str, float | None]]:
    """One value dict per commune: numerators ≤ denominators, with some zeros, gaps and fallbacks."""
    rng = random.Random(seed)
    pairs = []  # (numerator metrics, denominator metrics) of every source of every indicator and part
    for indicator in framework.indicators:
        for holder in (indicator, *indicator.parts):
            for source in holder.sources:
                pairs.append((sorted(source.numerator.metrics), sorted(source.denominator.metrics)))
    given = sorted(indicator.value.metrics for indicator in framework.indicators if indicator.value is not None)
    out = []
    for _ in range(count):
        values: dict[str, float | None] = {}
        for numerators, denominators in pairs:
            total = 0 if rng.random() < 0.05 else rng.randint(50, 3000)
            for metric in denominators:
                values.setdefault(metric, float(total))
            base = values[denominators[0]] if denominators else total
            for metric in numerators:
                values.setdefault(metric, float(rng.randint(int(base * 0.5), int(base))))
        for metrics in given:
            for metric in metrics:
                values[metric] = rng.uniform(0, 10)
        if rng.random() < 0.1:  # no portal figures for progress: the dossier stream is used
            values.pop("portal766.progress.total_on_time", None)
        if rng.random() < 0.03:  # a metric with no value: its indicator has no data
            values[rng.choice(sorted(values))] = None
        out.append(values)
    return out


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def baseline_revision() -> str:
    """HEAD if the working tree changed scoring.py, else the revision before its last change."""
    if git("status", "--porcelain", "--", SCORING).strip():
        return "HEAD"
    return git("log", "-n", "1", "--format=%h", "--", SCORING).strip() + "~1"


def baseline_module(revision: str):
    """Load scoring.py as it is at `revision` (with today's frameworks and expressions): (module, revision)."""
    try:
        if revision == "auto":
            revision = baseline_revision()
        source = git("show", f"{revision}:{SCORING}")
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"no baseline: {error}")
        return None, revision
    if source == (ROOT / SCORING).read_text(encoding="utf-8"):
        print(f"no baseline: {SCORING} is the same at {revision}")
        return None, revision
    print(f"baseline: {SCORING} at {revision}")
    spec = importlib.util.spec_from_loader("scoring_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:{SCORING}", "exec"), module.__dict__)  # noqa: S102  # our own file from git
    return module, revision


def best_of(implementations: list[tuple[str, object]], framework, units: list[dict], runs: int) -> dict[str, float]:
    """Best wall time, in seconds, of scoring every unit, per implementation; runs alternate between them
    so that a busy machine slows them alike."""
    best = {name: float("inf") for name, _ in implementations}
    for _ in range(runs):
        for name, module in implementations:
            score_unit = module.score_unit
            gc.collect()
            started = time.perf_counter()
            for values in units:
                score_unit(framework, "commune", values)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="auto", help="git revision of the baseline, 'auto' or 'none'")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from thuocdo.evaluation import scoring
    from thuocdo.evaluation.frameworks import load_preset

    framework = load_preset("qd766")
    units = synthetic_values(framework)
    baseline, revision = (None, "") if args.against == "none" else baseline_module(args.against)
    implementations = [("current", scoring)] + ([(f"at {revision}", baseline)] if baseline else [])
    if baseline:
        for values in units:
            ours, theirs = (repr(module.score_unit(framework, "commune", values)) for _, module in implementations)
            if ours != theirs:
                raise SystemExit(f"different scores for {values}:\n  current: {ours}\n  baseline: {theirs}")
        print(f"same scores for all {len(units):,} units")
    for _, module in implementations:
        module.score_unit(framework, "commune", units[0])  # warm up (a plan, caches)
    timings = best_of(implementations, framework, units, args.runs)
    width = max(len(name) for name in timings)
    for name, seconds in timings.items():
        print(f"{name:>{width}}: {seconds / len(units) * 1e6:6.1f} µs per unit, {seconds * 1000:5.0f} ms for "
              f"{len(units):,} units (best of {args.runs})")
    if baseline:
        print(f"{'speed-up':>{width}}: {timings[implementations[1][0]] / timings['current']:.2f}×")


if __name__ == "__main__":
    main()

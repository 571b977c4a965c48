"""Add up the closing lines of every test suite `make test` ran into one `N passed, N failed` line.

mocha's spec reporter ends with "N passing" / "N failing" / "N pending"; pytest ends with
"N passed, N failed, N skipped in Xs". Each suite's output is saved under the reports folder.
"""

import re
import sys
from pathlib import Path

MOCHA = re.compile(r"^\s*(\d+) (passing|failing|pending)\b")
PYTEST = re.compile(r"(\d+) (passed|failed|errors?|skipped)\b")


def count(path: Path) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    lines = path.read_text(errors="replace").splitlines()
    if path.name.startswith("mocha"):
        for line in lines:
            m = MOCHA.match(line)
            if m:
                n, kind = int(m.group(1)), m.group(2)
                if kind == "passing":
                    passed += n
                elif kind == "failing":
                    failed += n
                else:
                    skipped += n
        return passed, failed, skipped
    closing = [ln for ln in lines if re.match(r"^=+ .* in [\d.]+s", ln)]
    if closing:
        for n, kind in PYTEST.findall(closing[-1]):
            if kind == "passed":
                passed += int(n)
            elif kind == "skipped":
                skipped += int(n)
            else:
                failed += int(n)
    return passed, failed, skipped


def main(folder: str) -> int:
    total = [0, 0, 0]
    root = Path(folder)
    files = sorted(root.glob("*.txt")) if root.is_dir() else []
    for f in files:
        p, fl, s = count(f)
        print(f"{f.stem}: {p} passed, {fl} failed, {s} skipped", file=sys.stderr)
        total = [total[0] + p, total[1] + fl, total[2] + s]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".reports"))

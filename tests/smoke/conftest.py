import sys
from pathlib import Path

# The operator package and the smoke test live in their own folders beside the pipeline package (notebooks/,
# on pytest's pythonpath); the fakes beside these tests.
ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "tools" / "ops", ROOT / "tools" / "smoke", Path(__file__).resolve().parent):
    sys.path.insert(0, str(folder))

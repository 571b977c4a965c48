import sys
from pathlib import Path

# The CI scripts run on the runner's python3 with the standard library only; they are not a package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "ci"))

import sys
from pathlib import Path

# The smoke tool lives in its own folder beside the pipeline package (notebooks/, on pytest's pythonpath).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "smoke"))

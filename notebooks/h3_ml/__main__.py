import sys

from h3_ml.cli import main

sys.exit(main())

import sys

from demo_report.run import main

sys.exit(main())

from emokognition.cli import main

raise SystemExit(main())

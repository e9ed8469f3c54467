"""The ``myoscope`` command line (click): parse, call one service, render."""

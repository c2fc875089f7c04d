"""Runs a tool's main() in this process, as the tests of several tools do."""
import contextlib
import io


def run_main(main, argv):
    """(exit code, stdout, stderr) of main(argv); argparse's SystemExit (usage errors exit 2) counts as its code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()

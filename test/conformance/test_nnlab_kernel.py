"""Jupyter's own kernel conformance suite (jupyter_kernel_test) run against nnlab, with every sample it has.

conformance.test.ts runs this with /usr/bin/python3 -m unittest after installing the kernelspec into a
temporary prefix and pointing JUPYTER_PATH at it. By hand, after `npm run build`:

    node dist/kernel/cli.js install --prefix /tmp/nnlab-spec
    JUPYTER_PATH=/tmp/nnlab-spec/share/jupyter /usr/bin/python3 -m unittest -v test_nnlab_kernel
"""

import unittest

import jupyter_kernel_test

# A 1x1 grey PNG, small enough to inline.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="

# An object that shows itself as HTML through the display protocol nnlab shares with Deno's kernel.
SELF_DISPLAYING = '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>rich</b>" }; } })'


class NnlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nnlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    # Matches replace the text from cursor_start: after a dot only the member name is offered.
    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "JSON.stri", "matches": {"stringify"}},
        {"text": "parseFl", "matches": {"parseFloat"}},
        {"text": "clearOut", "matches": {"clearOutput"}},
        {"text": "const conformanceSample = [1, 2];\nconformanceSam", "matches": {"conformanceSample"}},
        {"text": "[1, 2, 3].forE", "matches": {"forEach"}},
    ]

    complete_code_samples = [
        "1 + 1",
        "const x: number = 1;",
        "function f(a: number): number {\n  return a * 2;\n}",
        "for (let i = 0; i < 3; i++) {}",
        "await Promise.resolve(1)",
        "interface Point { x: number; y: number }",
    ]
    incomplete_code_samples = [
        "function f() {",
        "const xs = [1, 2,",
        "if (ready) {\n  go();",
        "console.log(",
        "const s = `first line",
    ]
    invalid_code_samples = [
        "const = 1;",
        "}",
        "1 +* 2;",
        "let 1x = 2;",
    ]

    code_page_something = "help(display)"

    code_generate_error = 'throw new Error("boom")'

    # Every sample runs several times (the history test repeats them), so redeclaring a const must work.
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "const answer: number = 40 + 2;\nanswer", "result": "42"},
        {"code": "await Promise.resolve(7)", "result": "7"},
        {"code": "[1, 2, 3].map((n) => n * 2)"},
        {"code": SELF_DISPLAYING, "mime": "text/html", "result": "<b>rich</b>"},
    ]

    code_display_data = [
        {"code": "display(42)", "mime": "text/plain"},
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.markdown("# Title")', "mime": "text/markdown"},
        {"code": 'display.svg(\'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\')', "mime": "image/svg+xml"},
        {"code": f'display.png(Buffer.from("{PNG_BASE64}", "base64"))', "mime": "image/png"},
        {"code": 'display.jpeg(Buffer.from("/9j/4AAQSkZJRgABAQ==", "base64"))', "mime": "image/jpeg"},
        {"code": "display.json({ layers: 3 })", "mime": "application/json"},
        {"code": 'display.latex("$x^2$")', "mime": "text/latex"},
        {"code": f"display({SELF_DISPLAYING})", "mime": "text/html"},
    ]

    # Matches "6 * 7" whether read as a glob (IPython's search) or as a plain substring.
    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main()

/**
 * JupyterLab (from .venv) in Debian's Chromium runs the lecture CNN fixture: pictures load, charts draw and
 * the training curves grow while fit runs (lecture_cnn_suite.ts). JupyterLab missing is a failure, except
 * where no pip mirror is configured, so that setup.sh could not have installed it: then this file says so
 * loudly and the classic-notebook test carries the browser checks.
 */
import { describe, expect, it } from "vitest";
import { jupyterLabInstalled, pipMirrors, requireJupyterLab } from "../support/jupyterlab";
import { jupyterLab } from "./front_ends";
import { describeLectureCnnIn } from "./lecture_cnn_suite";

if (jupyterLabInstalled() || pipMirrors().length > 0) {
  describe("JupyterLab is installed in .venv", () => {
    it("has .venv/bin/jupyter-lab, which setup.sh installs from the configured pip mirror", () => {
      expect(requireJupyterLab()).toMatch(/\.venv\/bin\/jupyter$/);
    });
  });
  if (jupyterLabInstalled()) describeLectureCnnIn(jupyterLab);
} else {
  describe("JupyterLab cannot be installed on this machine", () => {
    it("has no pip mirror configured, so the JupyterLab browser checks cannot run here (the classic notebook's do)", () => {
      console.warn(
        "\n*** JupyterLab browser test NOT RUN: .venv has no JupyterLab and `pip config get global.extra-index-url` names no mirror. " +
          "Configure a wheel mirror and run `bash kernel/scripts/setup.sh`. test/browser/classic_notebook.test.ts still runs. ***\n",
      );
      expect(pipMirrors()).toEqual([]);
    });
  });
}

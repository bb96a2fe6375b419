/**
 * What `npm start` opens: JupyterLab from the project's virtual environment, serving its page and offering the
 * nnlab kernel that `nnlab install` registered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { type JupyterServer, startJupyterServer } from "../support/jupyter_server";

describe("JupyterLab from .venv with the nnlab kernelspec", () => {
  let jupyter: JupyterEnv;
  let lab: JupyterServer;

  beforeAll(async () => {
    jupyter = await createJupyterEnv();
    lab = await startJupyterServer(jupyter, { app: "lab" });
  });

  afterAll(async () => {
    await lab?.stop();
    jupyter?.dispose();
  });

  it("serves the JupyterLab page to a client holding the token", async () => {
    const response = await fetch(lab.pageUrl("lab"));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("JupyterLab");
  });

  it("offers the nnlab kernel as a TypeScript kernel with its logos", async () => {
    const response = await fetch(lab.pageUrl("api/kernelspecs"));
    const specs = (await response.json()) as {
      kernelspecs: Record<
        string,
        { spec: { language: string; display_name: string }; resources: Record<string, string> }
      >;
    };
    const nnlab = specs.kernelspecs.nnlab;
    expect(nnlab?.spec.language).toBe("typescript");
    expect(Object.keys(nnlab?.resources ?? {})).toEqual(expect.arrayContaining(["logo-32x32", "logo-64x64"]));
  });
});

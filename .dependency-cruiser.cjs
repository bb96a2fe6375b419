/**
 * Import rules checked by `npm run lint` (dependency-cruiser). Type-only imports are erased by the
 * compiler, so the cycle rule is about value imports: a module must be able to load without a
 * partner module that is still half-initialised.
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "A value-import cycle: modules that load each other. Move the shared part below both.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "runtime-not-to-kernel",
      severity: "error",
      comment: "The runtime is a library of its own (nnlab/runtime); the kernel depends on it, never the other way.",
      from: { path: "^runtime/" },
      to: { path: "^kernel/" },
    },
    {
      name: "protocol-not-to-execution",
      severity: "error",
      comment:
        "kernel/protocol speaks Jupyter's wire protocol and runs no code; only kernel/main.ts wires it to execution.",
      from: { path: "^kernel/protocol/" },
      to: { path: "^kernel/execution/" },
    },
    {
      name: "execution-not-to-protocol",
      severity: "error",
      comment:
        "kernel/execution runs cells and knows nothing of sockets or messages; only kernel/main.ts wires it to the protocol.",
      from: { path: "^kernel/execution/" },
      to: { path: "^kernel/protocol/" },
    },
    {
      name: "backend-below-tensor",
      severity: "error",
      comment: "Backends compute on handles; they know nothing of tensors, ops or layers.",
      from: { path: "^runtime/backend/" },
      to: { path: "^runtime/(tensor|ops|keras|viz|nn)" },
    },
    {
      name: "ops-below-keras",
      severity: "error",
      comment: "Ops are the NN runtime's vocabulary; layers and pictures are built on them, never the reverse.",
      from: { path: "^runtime/ops/" },
      to: { path: "^runtime/(keras|viz)/" },
    },
    {
      name: "tensor-core-imports-no-op",
      severity: "error",
      comment: "The Tensor class sits below the ops; its method sugar (tensor/methods.ts) sits above them.",
      from: { path: "^runtime/tensor/core" },
      to: { path: "^runtime/(ops/|tensor/methods)" },
    },
    {
      name: "shipped-code-not-to-dev-dependencies",
      severity: "error",
      comment:
        "runtime/ and kernel/ ship to users: what they load at run time must be a dependency, not a devDependency.",
      from: { path: "^(runtime|kernel)/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.test.json" },
    doNotFollow: { path: "node_modules" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    exclude: { path: "^(dist|node_modules|runtime/backend/wasm/assembly)/" },
  },
};

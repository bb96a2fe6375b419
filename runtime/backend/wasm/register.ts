/**
 * Registers the wasm backend. Importing this is cheap: the kernels module is
 * compiled and the worker threads start only when the backend is first
 * created (WasmBackend's constructor).
 * Priority 30 puts it above gpu.js on a CPU (20), whose CPU modes are an
 * order of magnitude slower, and below gpu.js on graphics hardware (40).
 */
import { registerBackend } from "../registry";
import { WasmBackend } from "./backend";

registerBackend({ name: "wasm", priority: 30, create: () => new WasmBackend() });

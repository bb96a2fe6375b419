/**
 * Registers the wasm backend. Importing this is cheap: the kernels module is
 * compiled and the worker threads start only when the backend is first
 * created (WasmBackend's constructor).
 * Priority 30 puts it above gpu.js (20), whose CPU modes are an order of
 * magnitude slower here; on a machine with a real GPU the gpu.js backend
 * should register above it.
 */
import { registerBackend } from "../registry";
import { WasmBackend } from "./backend";

registerBackend({ name: "wasm", priority: 30, create: () => new WasmBackend() });

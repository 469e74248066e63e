// The types that cross the IPC boundary are generated from the Rust types (ts-rs) into
// ./generated/ipc.ts; its header says how to regenerate it. Components keep importing them from
// here. Types only the UI uses (none yet) belong below the re-export.
export * from "./generated/ipc";

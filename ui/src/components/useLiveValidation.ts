import { useEffect, useRef, useState } from "react";
import { toBackendError } from "../backend";
import type { Problem } from "../types";

/**
 * Validation as you type: asks the backend (the same rules a save applies) 250 ms after the last
 * change, ignoring answers to older edits. `setProblems` lets a refused save show its problems.
 */
export function useLiveValidation<T>(value: T | null | undefined, validate: (v: T) => Promise<Problem[]>) {
  const [problems, setProblems] = useState<Problem[] | undefined>(undefined);
  const seq = useRef(0);
  const key = value == null ? "" : JSON.stringify(value);
  useEffect(() => {
    if (value == null) return;
    const id = ++seq.current;
    const t = setTimeout(() => {
      validate(value)
        .then((p) => id === seq.current && setProblems(p))
        .catch((e) => id === seq.current && setProblems([{ severity: "error", path: "", message: toBackendError(e).message }]));
    }, 250);
    return () => clearTimeout(t);
    // `key` stands for `value`; `validate` is a stable backend call.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return [problems, setProblems] as const;
}

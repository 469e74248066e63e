import { useCallback, useEffect, useState } from "react";
import type { BackendError } from "../types";
import { toBackendError } from "../backend";

/** Loads data with loading / error states and a reload function. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<BackendError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    setLoading(true);
    setError(undefined);
    return run()
      .then((d) => setData(d))
      .catch((e) => setError(toBackendError(e)))
      .finally(() => setLoading(false));
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { backend, toBackendError } from "../backend";
import type { EndpointInUse } from "../types";

/** The result of testing one target's credentials (STS GetCallerIdentity). */
export type IdentityCheck =
  | { state: "testing" }
  | { state: "ok"; arn: string; account: string; endpoints: EndpointInUse[] }
  | { state: "failed"; message: string };

interface IdentityState {
  /** The target the header shows the identity of. */
  active: string | null;
  checks: Record<string, IdentityCheck>;
  /** Tests a target's credentials; the result is shared by the header and the Targets page. */
  test: (name: string) => Promise<void>;
  /** Makes a target the one the header shows, and tests it. */
  choose: (name: string) => void;
  /** Forgets a removed or changed target's result. */
  forget: (name: string) => void;
}

const STORAGE_KEY = "drs.activeTarget";

const IdentityContext = createContext<IdentityState>({
  active: null,
  checks: {},
  test: async () => {},
  choose: () => {},
  forget: () => {},
});

function storedActive(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Which AWS identity the app acts as, per target; the active one is tested at startup. */
export function IdentityProvider({ children, autoTest = true }: { children: ReactNode; autoTest?: boolean }) {
  const [active, setActive] = useState<string | null>(storedActive);
  const [checks, setChecks] = useState<Record<string, IdentityCheck>>({});

  const test = useCallback(async (name: string) => {
    setChecks((c) => ({ ...c, [name]: { state: "testing" } }));
    try {
      const me = await backend.testTarget(name);
      setChecks((c) => ({ ...c, [name]: { state: "ok", arn: me.arn, account: me.account, endpoints: me.endpoints } }));
    } catch (e) {
      setChecks((c) => ({ ...c, [name]: { state: "failed", message: toBackendError(e).message } }));
    }
  }, []);

  const choose = useCallback(
    (name: string) => {
      setActive(name);
      try {
        localStorage.setItem(STORAGE_KEY, name);
      } catch {
        // No storage (private mode): the choice lasts for this session only.
      }
      void test(name);
    },
    [test],
  );

  const forget = useCallback((name: string) => {
    setChecks((c) => {
      const { [name]: _gone, ...rest } = c;
      return rest;
    });
  }, []);

  // At startup: test the remembered target, or the first one there is.
  useEffect(() => {
    if (!autoTest) return;
    let cancelled = false;
    backend
      .targets()
      .then((targets) => {
        if (cancelled || targets.length === 0) return;
        const name = targets.some((t) => t.name === active) ? active! : targets[0].name;
        setActive(name);
        void test(name);
      })
      .catch(() => {
        // The header then shows "not tested"; the Targets page reports the load error.
      });
    return () => {
      cancelled = true;
    };
    // Only once, at startup.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const value = useMemo(() => ({ active, checks, test, choose, forget }), [active, checks, test, choose, forget]);
  return <IdentityContext.Provider value={value}>{children}</IdentityContext.Provider>;
}

export const useIdentity = () => useContext(IdentityContext);

/** The header's one-line summary of who the app acts as. */
export function identityLabel(active: string | null, check: IdentityCheck | undefined): string {
  if (!active) return "No target";
  if (!check) return `${active}: not tested`;
  if (check.state === "testing") return `${active}: checking…`;
  if (check.state === "failed") return `${active}: cannot connect`;
  return `${active}: ${shortArn(check.arn)}`;
}

/** `arn:aws:sts::444455556666:assumed-role/Role/session` → `444455556666 assumed-role/Role/session`. */
export function shortArn(arn: string): string {
  const parts = arn.split(":");
  return parts.length >= 6 ? `${parts[4]} ${parts.slice(5).join(":")}` : arn;
}

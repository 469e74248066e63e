/** An RFC 3339 timestamp as local date and time. */
export function formatTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** `mm:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** What an execution is, in words: Drill, Recovery, Failback drill, Failback, Reprotect or Protect again. */
export function executionLabel(kind: string, direction?: string): string {
  const back = direction === "failback";
  if (kind === "reprotect") return back ? "Reprotect" : "Protect again";
  if (kind === "drill") return back ? "Failback drill" : "Drill";
  return back ? "Failback" : "Recovery";
}
